//! Every keyword OpenSSH 9.2's client accepts (readconf.c `keywords[]`, Debian build: GSSAPI
//! and PKCS#11 enabled), and what herd does with each. README documents the two public lists.

/// What herd does with a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kw {
    Host,
    Match,
    Include,
    HostName,
    Port,
    User,
    IdentityFile,
    IdentitiesOnly,
    CertificateFile,
    ProxyJump,
    ProxyCommand,
    UserKnownHostsFile,
    GlobalKnownHostsFile,
    StrictHostKeyChecking,
    ConnectTimeout,
    ServerAliveInterval,
    KexAlgorithms,
    HostKeyAlgorithms,
    Ciphers,
    Macs,
    IgnoreUnknown,
    /// The known_hosts name, and the `%k` token.
    HostKeyAlias,
    /// ssh accepts and ignores it (readconf's oDeprecated / oIgnore / oUnsupported).
    SshIgnores,
    /// herd does not act on it and it can change how or where ssh connects: warn.
    Unsupported,
    /// herd does not act on it and it does not matter for a non-interactive fleet run.
    NoEffect,
}

/// Keywords herd does not act on although they can change how or where ssh connects; when
/// one applies to a host, `HostConfig::unsupported` lists it (herd warns once per keyword).
pub const UNSUPPORTED_KEYWORDS: &[&str] = &[
    "AddressFamily",
    "BatchMode",
    "BindAddress",
    "BindInterface",
    "CanonicalDomains",
    "CanonicalizeFallbackLocal",
    "CanonicalizeHostname",
    "CanonicalizeMaxDots",
    "CanonicalizePermittedCNAMEs",
    "CASignatureAlgorithms",
    "ChallengeResponseAuthentication",
    "ClearAllForwardings",
    "ConnectionAttempts",
    "ControlMaster",
    "DSAAuthentication",
    "DynamicForward",
    "EnableSSHKeysign",
    "ExitOnForwardFailure",
    "ForkAfterAuthentication",
    "GatewayPorts",
    "HostbasedAcceptedAlgorithms",
    "HostbasedAuthentication",
    "HostbasedKeyTypes",
    "IdentityAgent",
    "IPQoS",
    "KbdInteractiveAuthentication",
    "KnownHostsCommand",
    "LocalCommand",
    "LocalForward",
    "NoHostAuthenticationForLocalhost",
    "NumberOfPasswordPrompts",
    "PasswordAuthentication",
    "PermitLocalCommand",
    "PermitRemoteOpen",
    "PKCS11Provider",
    "PreferredAuthentications",
    "ProxyUseFdpass",
    "PubkeyAcceptedAlgorithms",
    "PubkeyAcceptedKeyTypes",
    "PubkeyAuthentication",
    "RekeyLimit",
    "RemoteCommand",
    "RemoteForward",
    "RequestTTY",
    "RequiredRSASize",
    "RevokedHostKeys",
    "SecurityKeyProvider",
    "SessionType",
    "SKeyAuthentication",
    "SmartcardDevice",
    "StdinNull",
    "StreamLocalBindMask",
    "StreamLocalBindUnlink",
    "TISAuthentication",
    "Tunnel",
    "TunnelDevice",
    "VerifyHostKeyDNS",
];

/// Keywords ssh accepts that have no effect on a non-interactive fleet run (or only on
/// things herd does differently anyway): accepted silently, never reported.
pub const IGNORED_KEYWORDS: &[&str] = &[
    "AddKeysToAgent",
    "CheckHostIP",
    "Compression",
    "ControlPath",
    "ControlPersist",
    "EnableEscapeCommandline",
    "EscapeChar",
    "FingerprintHash",
    "ForwardAgent",
    "ForwardX11",
    "ForwardX11Timeout",
    "ForwardX11Trusted",
    "GSSAPIAuthentication",
    "GSSAPIClientIdentity",
    "GSSAPIDelegateCredentials",
    "GSSAPIKexAlgorithms",
    "GSSAPIKeyExchange",
    "GSSAPIRenewalForcesRekey",
    "GSSAPIServerIdentity",
    "GSSAPITrustDns",
    "HashKnownHosts",
    "KbdInteractiveDevices",
    "KeepAlive",
    "LogLevel",
    "LogVerbose",
    "SendEnv",
    "ServerAliveCountMax",
    "SetEnv",
    "SyslogFacility",
    "TCPKeepAlive",
    "UpdateHostKeys",
    "VisualHostKey",
    "XAuthLocation",
];

/// Keywords ssh itself ignores (deprecated or unsupported in OpenSSH 9.2).
const SSH_IGNORES: &[&str] = &[
    "protocol",
    "cipher",
    "fallbacktorsh",
    "globalknownhostsfile2",
    "rhostsauthentication",
    "userknownhostsfile2",
    "useroaming",
    "usersh",
    "useprivilegedport",
    "afstokenpassing",
    "kerberosauthentication",
    "kerberostgtpassing",
    "rsaauthentication",
    "rhostsrsaauthentication",
    "compressionlevel",
];

/// The keyword kind for `lower` (already lowercased), or `None` if ssh does not know it.
pub(crate) fn lookup(lower: &str) -> Option<(Kw, &'static str)> {
    let handled = match lower {
        "host" => Some((Kw::Host, "Host")),
        "match" => Some((Kw::Match, "Match")),
        "include" => Some((Kw::Include, "Include")),
        "hostname" => Some((Kw::HostName, "HostName")),
        "port" => Some((Kw::Port, "Port")),
        "user" => Some((Kw::User, "User")),
        "identityfile" | "identityfile2" => Some((Kw::IdentityFile, "IdentityFile")),
        "identitiesonly" => Some((Kw::IdentitiesOnly, "IdentitiesOnly")),
        "certificatefile" => Some((Kw::CertificateFile, "CertificateFile")),
        "proxyjump" => Some((Kw::ProxyJump, "ProxyJump")),
        "proxycommand" => Some((Kw::ProxyCommand, "ProxyCommand")),
        "userknownhostsfile" => Some((Kw::UserKnownHostsFile, "UserKnownHostsFile")),
        "globalknownhostsfile" => Some((Kw::GlobalKnownHostsFile, "GlobalKnownHostsFile")),
        "stricthostkeychecking" => Some((Kw::StrictHostKeyChecking, "StrictHostKeyChecking")),
        "connecttimeout" => Some((Kw::ConnectTimeout, "ConnectTimeout")),
        "serveraliveinterval" => Some((Kw::ServerAliveInterval, "ServerAliveInterval")),
        "kexalgorithms" => Some((Kw::KexAlgorithms, "KexAlgorithms")),
        "hostkeyalgorithms" => Some((Kw::HostKeyAlgorithms, "HostKeyAlgorithms")),
        "ciphers" => Some((Kw::Ciphers, "Ciphers")),
        "macs" => Some((Kw::Macs, "MACs")),
        "ignoreunknown" => Some((Kw::IgnoreUnknown, "IgnoreUnknown")),
        "hostkeyalias" => Some((Kw::HostKeyAlias, "HostKeyAlias")),
        _ => None,
    };
    if handled.is_some() {
        return handled;
    }
    if let Some(k) = SSH_IGNORES.iter().find(|k| **k == lower) {
        return Some((Kw::SshIgnores, k));
    }
    if let Some(k) = UNSUPPORTED_KEYWORDS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(lower))
    {
        return Some((Kw::Unsupported, k));
    }
    IGNORED_KEYWORDS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(lower))
        .map(|k| (Kw::NoEffect, *k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_do_not_overlap_and_resolve() {
        for k in UNSUPPORTED_KEYWORDS {
            assert_eq!(
                lookup(&k.to_ascii_lowercase()).map(|x| x.0),
                Some(Kw::Unsupported),
                "{k}"
            );
        }
        for k in IGNORED_KEYWORDS {
            assert_eq!(
                lookup(&k.to_ascii_lowercase()).map(|x| x.0),
                Some(Kw::NoEffect),
                "{k}"
            );
        }
        assert_eq!(lookup("usekeychain"), None);
    }
}
