#!/usr/bin/env bash
# The herd lab: real OpenSSH sshd servers on loopback, for the demo, the tests and CI.
#
#   lab/lab.sh up          start (idempotent): users, keys, one sshd per lab host, lab/inventory.ini,
#                          then (as root) the fleet lab and the fault lab
#   lab/lab.sh down        stop every lab server, the fleet lab's namespace and the fault lab
#   lab/lab.sh status      show each lab host and server and whether it answers
#   lab/lab.sh faults-up   start only the fault lab (lab/faults.py: refused, silent, garbage and
#                          flaky endpoints on 127.0.0.20-24), lab/faults.ini and a known_hosts
#                          variant with a rotated key for h1 (lab/state/faults/known_hosts.rotated)
#   lab/lab.sh faults-down stop the fault lab
#
# As root it creates four users with distinct passwords (one key-only) and starts four sshd
# instances on 127.0.0.11-14, two on port 22 and two on other ports. Without root it falls back
# to one sshd for the current user, key auth only, on 127.0.0.11:2200.
#
# The fleet lab (root only), for jump hosts, certificates and algorithm negotiation:
#   127.0.0.30:22  a bastion (stock MaxStartups/MaxSessions; user herd_jump, lab key), reached
#                  through lab/nsrelay.py; it and the hosts behind it live in the network
#                  namespace herd-lab-behind, so 127.0.1.1-48 answer only through the bastion
#   127.0.1.1-48   b01-b48 behind the bastion, one sshd each with its own host key
#                  (user herd_behind: lab key or password behind-lab-pw); lab/bastion.ini
#   127.0.0.31:22  certificate-only sshd (user herd_cert; CA and keys in lab/state/cert/)
#   127.0.0.32:22  legacy-only sshd: diffie-hellman-group14-sha1 and ssh-rsa only
#                  (user herd_legacy, password legacy-lab-pw)
#   127.0.0.33:22  ML-KEM-only AsyncSSH server (lab/mlkem_server.py, kex mlkem768x25519-sha256
#                  only; user herd_mlkem, password mlkem-lab-pw; venv in lab/state/mlkem/venv)
#   127.0.0.40-43  hosts as real ones often are (lab/fleet.ini, group quirks): chatty (the login
#                  shell prints; internal-sftp), chatty_ext (the same, external sftp-server),
#                  forced (a ForceCommand), single (MaxSessions 1)
#   lab/fleet.ini  cert, legacy, mlkem and the quirks; every host key is in lab/state/known_hosts
# Everything it generates lives in lab/state/ (git-ignored); nothing listens beyond 127.0.0.0/8.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE="$LAB_DIR/state"
INVENTORY="$LAB_DIR/inventory.ini"
SHOWN_STATE="$LAB_DIR/state" # how messages name lab/state, whatever it links to
SSHD=/usr/sbin/sshd

# name address port user password ("-" = key only) group
ROOT_HOSTS=(
  "h1 127.0.0.11 22   herd_alice alice-lab-pw web_clusters"
  "h2 127.0.0.12 2222 herd_bob   bob-lab-pw   web_clusters"
  "h3 127.0.0.13 22   herd_carol carol-lab-pw db_servers"
  "h4 127.0.0.14 2223 herd_dave  -            db_servers"
)

die() { echo "lab: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

hosts() {
  if is_root; then printf '%s\n' "${ROOT_HOSTS[@]}"
  else echo "h1 127.0.0.11 2200 $(id -un) - web_clusters"; fi
}

ensure_openssh() {
  [ -x "$SSHD" ] && command -v ssh-keygen >/dev/null && return
  is_root || die "openssh-server is not installed and we are not root: install it (apt-get install openssh-server)"
  echo "lab: installing openssh-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq openssh-server >/dev/null
}

ensure_user() { # user password
  local user=$1 password=$2
  if ! id "$user" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash "$user"
  fi
  if [ "$password" = "-" ]; then
    usermod -p '*' "$user"            # no password: key only (not "locked", so keys still work)
  else
    echo "$user:$password" | chpasswd
  fi
}

authorize_key() { # user pubkey-file
  local user=$1 pub=$2 home
  home=$(getent passwd "$user" | cut -d: -f6)
  install -d -m 700 -o "$user" -g "$user" "$home/.ssh"
  install -m 600 -o "$user" -g "$user" "$pub" "$home/.ssh/authorized_keys"
}

host_dir() { echo "$STATE/hosts/$1"; }
# A pid file may vanish between a test and a read (a stopping daemon removes its own): read quietly.
read_pid() { local pid; pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && echo "$pid"; }
# Alive = exists and is not a zombie (here PID 1 may be slow to reap a daemon that ended).
proc_alive() { # pid
  local pid_ comm state
  kill -0 "$1" 2>/dev/null || return 1
  read -r pid_ comm state _ <"/proc/$1/stat" 2>/dev/null || return 1
  [ "$state" != Z ]
}
pid_alive() { local pid; pid=$(read_pid "$1") && proc_alive "$pid"; }
pid_of() { read_pid "$(host_dir "$1")/sshd.pid"; }
is_running() { pid_alive "$(host_dir "$1")/sshd.pid"; }
# Stops the processes named by pid files, waits up to 5 s for them to go, removes the files.
stop_pidfiles() { # pidfile...
  local f pid pids=() i alive
  for f in "$@"; do
    if pid=$(read_pid "$f") && kill "$pid" 2>/dev/null; then pids+=("$pid"); fi
  done
  for i in $(seq 1 50); do
    alive=0
    for pid in ${pids[@]+"${pids[@]}"}; do
      if proc_alive "$pid"; then alive=1; break; fi
    done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  rm -f "$@"
}
stop_pidfile() { # pidfile [label]
  if pid_alive "$1" && [ -n "${2:-}" ]; then echo "lab: stopped $2"; fi
  stop_pidfiles "$1"
}

write_sshd_config() { # name address port user password
  local name=$1 address=$2 port=$3 user=$4 password=$5 dir
  dir=$(host_dir "$name")
  mkdir -p "$dir"
  [ -f "$dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "herd-lab-$name" -f "$dir/ssh_host_ed25519_key"
  local auth="AuthenticationMethods publickey password"
  [ "$password" = "-" ] && auth="AuthenticationMethods publickey"
  cat >"$dir/sshd_config" <<CONF
# generated by lab/lab.sh for lab host $name
ListenAddress $address:$port
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AllowUsers $user
$auth
PasswordAuthentication $([ "$password" = "-" ] && echo no || echo yes)
PubkeyAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
StrictModes $(is_root && echo yes || echo no)
MaxStartups 2000:100:2000
MaxSessions 100
MaxAuthTries 10
LoginGraceTime 60
ClientAliveInterval 0
LogLevel INFO
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
}

# As root, each lab host gets its own /tmp (lab/state/hosts/NAME/tmp, bind-mounted in a private
# mount namespace), as separate machines would: otherwise four users sharing one sticky /tmp
# could not replace each other's files, and tests could not see which host wrote what.
# With a second argument, sshd starts in that network namespace (the fleet lab's hosts behind).
start_sshd() { # host-dir [netns]
  local dir=$1 in_ns=()
  [ -n "${2:-}" ] && in_ns=(nsenter "--net=/run/netns/$2")
  if is_root && command -v unshare >/dev/null; then
    install -d -m 1777 "$dir/tmp"
    "${in_ns[@]}" unshare --mount --propagation private sh -c 'mount --bind "$1/tmp" /tmp && exec "$2" -f "$1/sshd_config" -E "$1/sshd.log"' sh "$dir" "$SSHD"
  else
    "$SSHD" -f "$dir/sshd_config" -E "$dir/sshd.log"
  fi
}

# herd_carol may use sudo with her password, so `become: true` can be tested (as root, when
# sudo is installed; scripts/setup-machine.sh installs it). The other lab users have no sudo.
allow_sudo() { # user
  local file=/etc/sudoers.d/herd-lab
  is_root && [ -d /etc/sudoers.d ] && command -v visudo >/dev/null || return 0
  printf '%s ALL=(ALL:ALL) ALL\n' "$1" >"$file.new"
  chmod 440 "$file.new"
  visudo -cqf "$file.new" && mv "$file.new" "$file" || { rm -f "$file.new"; die "cannot write $file"; }
}

wait_for_port() { # address port
  local i
  for i in $(seq 1 50); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# As root, lab hosts see their own directory as /tmp (see start_sshd), which would hide a
# lab/state that itself lies under /tmp (a clone in /tmp). So a new lab/state is a link to
# a folder under /var/lib/herd-lab, named after this checkout; an existing one is kept.
ensure_state_dir() {
  [ -e "$STATE" ] && return 0
  if is_root; then
    local real
    real="/var/lib/herd-lab/$(printf '%s' "$LAB_DIR" | sha256sum | cut -c1-16)"
    mkdir -p "$real"
    ln -s "$real" "$STATE"
  else
    mkdir -p "$STATE"
  fi
}

cmd_up() {
  ensure_openssh
  ensure_state_dir
  STATE=$(cd "$STATE" && pwd -P) # sshd must be given paths that do not pass through /tmp
  mkdir -p "$STATE/keys" "$STATE/hosts"
  chmod 700 "$STATE"
  is_root && mkdir -p /run/sshd && chmod 755 /run/sshd
  local key="$STATE/keys/dave_ed25519"
  is_root || key="$STATE/keys/user_ed25519"
  [ -f "$key" ] || ssh-keygen -q -t ed25519 -N '' -C herd-lab-user -f "$key"

  : >"$STATE/known_hosts.new"
  local name address port user password group
  while read -r name address port user password group; do
    if is_root; then
      ensure_user "$user" "$password"
      [ "$password" = "-" ] && authorize_key "$user" "$key.pub"
    else
      install -d -m 700 "$HOME/.ssh"
      grep -qxF "$(cat "$key.pub")" "$HOME/.ssh/authorized_keys" 2>/dev/null || cat "$key.pub" >>"$HOME/.ssh/authorized_keys"
    fi
    write_sshd_config "$name" "$address" "$port" "$user" "$password"
    local dir; dir=$(host_dir "$name")
    if ! is_running "$name"; then
      start_sshd "$dir" || die "sshd for $name ($address:$port) did not start: see $dir/sshd.log (is something else on that port?)"
    fi
    wait_for_port "$address" "$port" || die "$name: nothing answers on $address:$port; see $dir/sshd.log"
    local hk; hk=$(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")
    if [ "$port" = 22 ]; then echo "$address $hk"; else echo "[$address]:$port $hk"; fi >>"$STATE/known_hosts.new"
  done < <(hosts)
  allow_sudo herd_carol
  write_inventory "$key"
  if is_root; then fleet_up "$key" "$STATE/known_hosts.new"; fi
  mv "$STATE/known_hosts.new" "$STATE/known_hosts"
  cmd_faults_up >/dev/null # cmd_status below reports it
  cmd_status
}

write_inventory() { # key
  local key=$1 wanted name address port user password group
  umask 077
  {
    echo "# Generated by lab/lab.sh: the local lab's hosts. Do not edit; run lab/lab.sh up again."
    for wanted in web_clusters db_servers; do
      echo; echo "[$wanted]"
      while read -r name address port user password group; do
        [ "$group" = "$wanted" ] || continue
        local line="$name host=$address port=$port user=$user"
        if [ "$password" = "-" ]; then line="$line key=$key"; else line="$line password=$password"; fi
        echo "$line"
      done < <(hosts)
    done
  } >"$INVENTORY"
}

# ---- The fleet lab (root only): a bastion with 48 hosts behind it, a certificate-only sshd, a
# legacy-only sshd and an ML-KEM-only AsyncSSH server (see the header). State in lab/state/fleet/
# (bastion, b01-b48, relay), lab/state/hosts/{cert,legacy}, lab/state/cert/ and lab/state/mlkem/.
NETNS=herd-lab-behind
BASTION_ADDR=127.0.0.30
BEHIND_COUNT=48
CERT_ADDR=127.0.0.31
LEGACY_ADDR=127.0.0.32
MLKEM_ADDR=127.0.0.33
QUIRK_HOSTS=( # name address user extra-sshd-config (hosts as real ones often are)
  "chatty 127.0.0.40 herd_chatty Subsystem_sftp_internal-sftp"
  "chatty_ext 127.0.0.41 herd_chatty -"
  "forced 127.0.0.42 herd_forced ForceCommand_echo_'this_host_only_shows_this_message'"
  "single 127.0.0.43 herd_single MaxSessions_1"
)

behind_name() { printf 'b%02d' "$1"; }
behind_addr() { echo "127.0.1.$1"; }
in_netns() { nsenter "--net=/run/netns/$NETNS" "$@"; }

ensure_host_key() { # dir type
  [ -f "$1/ssh_host_$2_key" ] || ssh-keygen -q -t "$2" -N '' -C "herd-lab-$(basename "$1")" -f "$1/ssh_host_$2_key"
}

# Waits up to 5 s for a pid file naming a live process; dies naming the log otherwise.
wait_pidfile() { # pidfile log what
  local i
  for i in $(seq 1 100); do pid_alive "$1" && return 0; sleep 0.05; done
  die "$3 did not start: see $2"
}

write_fleet_sshd_config() { # dir address user authentication-methods extra-config
  cat >"$1/sshd_config" <<CONF
# generated by lab/lab.sh for the fleet lab's $(basename "$1")
ListenAddress $2:22
PidFile $1/sshd.pid
AllowUsers $3
AuthenticationMethods $4
PubkeyAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
StrictModes yes
LoginGraceTime 60
ClientAliveInterval 0
LogLevel INFO
Subsystem sftp /usr/lib/openssh/sftp-server
$5
CONF
}

# Starts the sshd of a fleet host unless it runs; the caller waits (wait_pidfile).
start_fleet_sshd() { # dir [netns]
  pid_alive "$1/sshd.pid" && return 0
  rm -f "$1/sshd.pid"
  start_sshd "$1" "${2:-}" || die "sshd in $1 did not start: see $1/sshd.log"
}

behind_up() { # lab-key known_hosts-out
  local key=$1 out=$2 base="$STATE/fleet/behind" dir i addrs=()
  local shown_key="$SHOWN_STATE/keys/$(basename "$key")"
  mkdir -p "$base"
  if [ ! -e "/run/netns/$NETNS" ]; then
    behind_stop >/dev/null # anything left from an earlier namespace is useless now
    ip netns add "$NETNS" || die "cannot create the network namespace $NETNS (ip netns add)"
  fi
  ip -n "$NETNS" link set lo up || die "cannot bring up lo in the network namespace $NETNS"
  ensure_user herd_jump -
  authorize_key herd_jump "$key.pub"
  ensure_user herd_behind behind-lab-pw
  authorize_key herd_behind "$key.pub"

  # The bastion keeps OpenSSH's stock MaxStartups (10:30:100) and MaxSessions (10): do not set them.
  dir="$base/bastion"
  mkdir -p "$dir"
  ensure_host_key "$dir" ed25519
  write_fleet_sshd_config "$dir" "$BASTION_ADDR" herd_jump publickey "HostKey $dir/ssh_host_ed25519_key
PasswordAuthentication no
AllowTcpForwarding yes"
  start_fleet_sshd "$dir" "$NETNS"
  for i in $(seq 1 "$BEHIND_COUNT"); do
    dir="$base/$(behind_name "$i")"
    mkdir -p "$dir"
    ensure_host_key "$dir" ed25519
    # Each stands for a machine of its own: its own sshd, host key and /tmp, a high MaxStartups.
    write_fleet_sshd_config "$dir" "$(behind_addr "$i")" herd_behind "publickey password" "HostKey $dir/ssh_host_ed25519_key
PasswordAuthentication yes
MaxStartups 2000:100:2000
MaxSessions 100
MaxAuthTries 10"
    start_fleet_sshd "$dir" "$NETNS"
  done
  wait_pidfile "$base/bastion/sshd.pid" "$base/bastion/sshd.log" "the bastion's sshd"
  addrs=("$BASTION_ADDR")
  for i in $(seq 1 "$BEHIND_COUNT"); do
    dir="$base/$(behind_name "$i")"
    wait_pidfile "$dir/sshd.pid" "$dir/sshd.log" "sshd of $(behind_name "$i") ($(behind_addr "$i"))"
    addrs+=("$(behind_addr "$i")")
  done
  local silent
  silent=$(in_netns bash -c "$(declare -f wait_for_port)"'; for a; do wait_for_port "$a" 22 || echo "$a"; done' sh "${addrs[@]}") ||
    die "cannot enter the network namespace $NETNS"
  [ -z "$silent" ] || die "nothing answers on $(echo $silent) port 22 in the namespace $NETNS: see the sshd.log files under $base"

  if ! pid_alive "$base/relay.pid"; then
    rm -f "$base/relay.pid"
    setsid python3 "$LAB_DIR/nsrelay.py" "$BASTION_ADDR" 22 "/run/netns/$NETNS" "$BASTION_ADDR" 22 "$base/relay.pid" \
      >"$base/relay.log" 2>&1 </dev/null &
    wait_pidfile "$base/relay.pid" "$base/relay.log" "the bastion's relay (lab/nsrelay.py)"
  fi
  wait_for_port "$BASTION_ADDR" 22 || die "nothing answers on $BASTION_ADDR:22: see $base/relay.log"

  echo "$BASTION_ADDR $(cut -d' ' -f1,2 "$base/bastion/ssh_host_ed25519_key.pub")" >>"$out"
  for i in $(seq 1 "$BEHIND_COUNT"); do
    echo "$(behind_addr "$i") $(cut -d' ' -f1,2 "$base/$(behind_name "$i")/ssh_host_ed25519_key.pub")"
  done >>"$out"
  (
    umask 077
    {
      echo "# Generated by lab/lab.sh up: hosts reachable only through the bastion. Do not edit."
      echo "# Host keys: lab/state/known_hosts (the bastion as $BASTION_ADDR, each host as its own address)."
      echo "# proxy_jump names the inventory host \`bastion\`, so the jump uses its user and key."
      echo
      echo "[behind]"
      for i in $(seq 1 "$BEHIND_COUNT"); do
        echo "$(behind_name "$i") host=$(behind_addr "$i") user=herd_behind key=$shown_key proxy_jump=bastion"
      done
      echo
      echo "[bastions]"
      echo "bastion host=$BASTION_ADDR user=herd_jump key=$shown_key"
    } >"$LAB_DIR/bastion.ini"
  )
  chmod 600 "$LAB_DIR/bastion.ini"
  # For plain OpenSSH: `ssh -J` runs a second ssh for the jump that gets none of the command's -i
  # or -o options, only its -F file. So: ssh -F lab/bastion.ssh_config -J herd_jump@127.0.0.30 ...
  (
    umask 077
    cat >"$LAB_DIR/bastion.ssh_config" <<CONF
# Generated by lab/lab.sh up: OpenSSH settings for the bastion and the hosts behind it.
# Use: ssh -F lab/bastion.ssh_config -J herd_jump@$BASTION_ADDR herd_behind@127.0.1.1 true
Host $BASTION_ADDR 127.0.1.*
  IdentityFile $shown_key
  IdentitiesOnly yes
  UserKnownHostsFile $SHOWN_STATE/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
CONF
  )
}

behind_stop() {
  local base="$STATE/fleet/behind" dir
  if [ -d "$base" ]; then
    local files=("$base/relay.pid")
    for dir in "$base"/*/; do files+=("${dir}sshd.pid"); done
    stop_pidfiles "${files[@]}"
  fi
  if [ -e "/run/netns/$NETNS" ]; then
    # Whatever still runs in the namespace (sessions, a stray sshd) was started by the lab.
    local pid
    for pid in $(ip netns pids "$NETNS" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    sleep 0.2
    for pid in $(ip netns pids "$NETNS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$NETNS" && echo "lab: removed the network namespace $NETNS"
  fi
}

# Signs a user key for herd_cert, unless its certificate is newer than both key and CA.
sign_cert() { # ca pub cert
  local ca=$1 pub=$2 cert=$3 made
  [ -s "$cert" ] && [ "$cert" -nt "$ca" ] && [ "$cert" -nt "$pub" ] && return 0
  ssh-keygen -q -s "$ca" -I "herd-lab-$(basename "$pub" .pub)" -n herd_cert -V -1d:+3650d "$pub" 2>/dev/null ||
    die "cannot sign $pub with $ca"
  made="${pub%.pub}-cert.pub"
  [ "$made" = "$cert" ] || mv "$made" "$cert"
}

cert_up() { # known_hosts-out
  local c="$STATE/cert" dir="$STATE/hosts/cert" k
  mkdir -p "$c/certs" "$dir"
  chmod 700 "$c"
  ensure_user herd_cert -
  [ -f "$c/user_ca" ] || ssh-keygen -q -t ed25519 -N '' -C herd-lab-user-ca -f "$c/user_ca"
  for k in id_ed25519 other_ed25519 nocert_ed25519; do
    [ -f "$c/$k" ] || ssh-keygen -q -t ed25519 -N '' -C "herd-lab-cert-$k" -f "$c/$k"
  done
  sign_cert "$c/user_ca" "$c/id_ed25519.pub" "$c/id_ed25519-cert.pub"
  # other_ed25519's certificate lies elsewhere (for CertificateFile), never beside the key.
  sign_cert "$c/user_ca" "$c/other_ed25519.pub" "$c/certs/other-cert.pub"
  rm -f "$c/other_ed25519-cert.pub" "$c/nocert_ed25519-cert.pub"
  ensure_host_key "$dir" ed25519
  write_fleet_sshd_config "$dir" "$CERT_ADDR" herd_cert publickey "HostKey $dir/ssh_host_ed25519_key
TrustedUserCAKeys $c/user_ca.pub
AuthorizedKeysFile none
PasswordAuthentication no
MaxStartups 2000:100:2000
MaxSessions 100
MaxAuthTries 10"
  start_fleet_sshd "$dir"
  echo "$CERT_ADDR $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >>"$1"
}

legacy_up() { # lab-key known_hosts-out
  local dir="$STATE/hosts/legacy"
  mkdir -p "$dir"
  ensure_user herd_legacy legacy-lab-pw
  authorize_key herd_legacy "$1.pub"
  ensure_host_key "$dir" rsa
  write_fleet_sshd_config "$dir" "$LEGACY_ADDR" herd_legacy "publickey password" "HostKey $dir/ssh_host_rsa_key
KexAlgorithms diffie-hellman-group14-sha1
HostKeyAlgorithms ssh-rsa
PubkeyAcceptedAlgorithms +ssh-rsa
PasswordAuthentication yes
MaxStartups 2000:100:2000
MaxSessions 100
MaxAuthTries 10"
  start_fleet_sshd "$dir"
  echo "$LEGACY_ADDR $(cut -d' ' -f1,2 "$dir/ssh_host_rsa_key.pub")" >>"$2"
}

# AsyncSSH in a venv of the lab's own, versions pinned in lab/mlkem-requirements.txt; made again
# when that file changes. Wheels only (cryptography would otherwise need a Rust build).
mlkem_venv() {
  local d="$STATE/mlkem" req="$LAB_DIR/mlkem-requirements.txt" py=python3 want
  local venv="$d/venv"
  [ -x /usr/bin/python3 ] && py=/usr/bin/python3
  want=$(sha256sum <"$req" | cut -c1-16)
  [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.herd-lab-requirements" 2>/dev/null)" = "$want" ] && return 0
  rm -rf "$venv"
  echo "lab: installing AsyncSSH ($(grep -m1 '^asyncssh==' "$req")) into $SHOWN_STATE/mlkem/venv"
  "$py" -m venv "$venv" >"$d/venv.log" 2>&1 ||
    die "cannot create a Python venv (python3-venv: run scripts/setup-machine.sh): see $SHOWN_STATE/mlkem/venv.log"
  "$venv/bin/pip" install --disable-pip-version-check --no-input --only-binary=:all: -r "$req" >>"$d/venv.log" 2>&1 ||
    die "pip could not install lab/mlkem-requirements.txt: see $SHOWN_STATE/mlkem/venv.log"
  echo "$want" >"$venv/.herd-lab-requirements"
}

mlkem_up() { # known_hosts-out
  local d="$STATE/mlkem"
  mkdir -p "$d"
  chmod 700 "$d"
  ensure_user herd_mlkem mlkem-lab-pw
  ensure_host_key "$d" ed25519
  mlkem_venv
  if ! pid_alive "$d/mlkem.pid"; then
    rm -f "$d/mlkem.pid"
    HERD_MLKEM_PASSWORD=mlkem-lab-pw setsid "$d/venv/bin/python" "$LAB_DIR/mlkem_server.py" \
      "$MLKEM_ADDR" 22 "$d/ssh_host_ed25519_key" herd_mlkem "$d/mlkem.pid" >"$d/mlkem.log" 2>&1 </dev/null &
  fi
  echo "$MLKEM_ADDR $(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")" >>"$1"
}

# Hosts configured as real ones often are: a login shell that prints (with internal-sftp, and with
# the external sftp-server, which runs through that shell), a ForceCommand, MaxSessions 1.
quirks_up() { # lab-key known_hosts-out
  local entry name addr user extra dir home
  ensure_user herd_chatty chatty-lab-pw
  ensure_user herd_forced forced-lab-pw
  ensure_user herd_single single-lab-pw
  for user in herd_chatty herd_forced herd_single; do authorize_key "$user" "$1.pub"; done
  home=$(getent passwd herd_chatty | cut -d: -f6)
  printf '%s\n' 'echo "Welcome to chatty: this .bashrc prints"' 'echo "chatty: on stderr too" >&2' >"$home/.bashrc"
  chown herd_chatty: "$home/.bashrc"
  for entry in "${QUIRK_HOSTS[@]}"; do
    read -r name addr user extra <<<"$entry"
    dir="$STATE/hosts/$name"
    mkdir -p "$dir"
    ensure_host_key "$dir" ed25519
    [ "$extra" = - ] && extra=""
    write_fleet_sshd_config "$dir" "$addr" "$user" "publickey password" "HostKey $dir/ssh_host_ed25519_key
PasswordAuthentication yes
MaxStartups 2000:100:2000
MaxAuthTries 10
${extra//_/ }"
    # The last Subsystem line wins nothing in sshd (the first does): drop the default one.
    if [ "$name" = chatty ]; then sed -i '/^Subsystem sftp \/usr/d' "$dir/sshd_config"; fi
    start_fleet_sshd "$dir"
    echo "$addr $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >>"$2"
  done
}

quirks_wait() {
  local entry name addr user extra
  for entry in "${QUIRK_HOSTS[@]}"; do
    read -r name addr user extra <<<"$entry"
    wait_pidfile "$STATE/hosts/$name/sshd.pid" "$STATE/hosts/$name/sshd.log" "the sshd of $name"
    wait_for_port "$addr" 22 || die "nothing answers on $addr:22: see $STATE/hosts/$name/sshd.log"
  done
}

write_fleet_inventory() {
  (
    umask 077
    cat >"$LAB_DIR/fleet.ini" <<INI
# Generated by lab/lab.sh up: servers that need more than plain keys or passwords. Do not edit.
# Host keys: lab/state/known_hosts. cert: certificate-only (key with its certificate beside it);
# legacy: only diffie-hellman-group14-sha1 and ssh-rsa; mlkem: only mlkem768x25519-sha256.
[fleet]
cert host=$CERT_ADDR user=herd_cert key=$SHOWN_STATE/cert/id_ed25519
legacy host=$LEGACY_ADDR user=herd_legacy password=legacy-lab-pw
mlkem host=$MLKEM_ADDR user=herd_mlkem password=mlkem-lab-pw

# chatty: the login shell prints at startup (internal-sftp); chatty_ext: the same with the
# external sftp-server; forced: a ForceCommand; single: MaxSessions 1.
[quirks]
chatty host=127.0.0.40 user=herd_chatty password=chatty-lab-pw
chatty_ext host=127.0.0.41 user=herd_chatty password=chatty-lab-pw
forced host=127.0.0.42 user=herd_forced password=forced-lab-pw
single host=127.0.0.43 user=herd_single password=single-lab-pw
INI
  )
  chmod 600 "$LAB_DIR/fleet.ini"
}

fleet_up() { # lab-key known_hosts-out
  command -v python3 >/dev/null || die "python3 is needed for the fleet lab: run scripts/setup-machine.sh"
  command -v nsenter >/dev/null && command -v ip >/dev/null ||
    die "ip and nsenter are needed for the fleet lab: run scripts/setup-machine.sh"
  cert_up "$2"
  legacy_up "$1" "$2"
  mlkem_up "$2"
  quirks_up "$1" "$2"
  behind_up "$1" "$2"
  wait_pidfile "$STATE/hosts/cert/sshd.pid" "$STATE/hosts/cert/sshd.log" "the certificate-only sshd"
  wait_for_port "$CERT_ADDR" 22 || die "nothing answers on $CERT_ADDR:22: see $STATE/hosts/cert/sshd.log"
  wait_pidfile "$STATE/hosts/legacy/sshd.pid" "$STATE/hosts/legacy/sshd.log" "the legacy-only sshd"
  wait_for_port "$LEGACY_ADDR" 22 || die "nothing answers on $LEGACY_ADDR:22: see $STATE/hosts/legacy/sshd.log"
  wait_pidfile "$STATE/mlkem/mlkem.pid" "$STATE/mlkem/mlkem.log" "the ML-KEM server (lab/mlkem_server.py)"
  wait_for_port "$MLKEM_ADDR" 22 || die "nothing answers on $MLKEM_ADDR:22: see $STATE/mlkem/mlkem.log"
  quirks_wait
  write_fleet_inventory
}

fleet_down() {
  is_root || return 0
  behind_stop
  [ -d "$STATE/mlkem" ] && { stop_pidfile "$STATE/mlkem/mlkem.pid" "the ML-KEM server"; }
  local name
  for name in cert legacy chatty chatty_ext forced single; do
    if pid_alive "$(host_dir "$name")/sshd.pid"; then stop_pidfile "$(host_dir "$name")/sshd.pid" "$name"; fi
  done
  return 0
}

fleet_status() {
  local bad=0 i up=0 base="$STATE/fleet/behind" state
  state=DOWN
  if pid_alive "$base/relay.pid" && pid_alive "$base/bastion/sshd.pid" && wait_for_port "$BASTION_ADDR" 22; then state=up; fi
  [ "$state" = up ] || bad=1
  printf 'lab: %-7s %-15s port 22    user %-11s %-13s %s\n' bastion "$BASTION_ADDR" herd_jump bastions "$state"
  for i in $(seq 1 "$BEHIND_COUNT"); do
    if pid_alive "$base/$(behind_name "$i")/sshd.pid"; then up=$((up + 1)); fi
  done
  state=up
  [ "$up" -eq "$BEHIND_COUNT" ] || { state="DOWN ($up of $BEHIND_COUNT running)"; bad=1; }
  printf 'lab: %-7s %-15s port 22    user %-11s %-13s %s\n' b01-b$BEHIND_COUNT "127.0.1.1-$BEHIND_COUNT" herd_behind behind "$state"
  local name addr user pidfile
  while read -r name addr user pidfile; do
    if pid_alive "$pidfile" && wait_for_port "$addr" 22; then state=up; else state=DOWN; bad=1; fi
    printf 'lab: %-7s %-15s port 22    user %-11s %-13s %s\n' "$name" "$addr" "$user" fleet "$state"
  done <<LIST
cert $CERT_ADDR herd_cert $(host_dir cert)/sshd.pid
legacy $LEGACY_ADDR herd_legacy $(host_dir legacy)/sshd.pid
mlkem $MLKEM_ADDR herd_mlkem $STATE/mlkem/mlkem.pid
chatty 127.0.0.40 herd_chatty $(host_dir chatty)/sshd.pid
chatty_ext 127.0.0.41 herd_chatty $(host_dir chatty_ext)/sshd.pid
forced 127.0.0.42 herd_forced $(host_dir forced)/sshd.pid
single 127.0.0.43 herd_single $(host_dir single)/sshd.pid
LIST
  [ "$bad" -eq 0 ] && echo "lab: inventories $LAB_DIR/bastion.ini and $LAB_DIR/fleet.ini (namespace $NETNS)"
  return "$bad"
}

FAULTS="$STATE/faults"
faults_pid() { read_pid "$FAULTS/faults.pid"; }
faults_running() { pid_alive "$FAULTS/faults.pid"; }

# The fault lab needs the root lab (its relays lead to h1 and h2) and python3.
cmd_faults_up() {
  is_root || { echo "lab: the fault lab needs root (its relays lead to h1 and h2); skipped"; return 0; }
  command -v python3 >/dev/null || die "python3 is needed for the fault lab: run scripts/setup-machine.sh"
  [ -s "$STATE/known_hosts" ] || die "run lab/lab.sh up first"
  mkdir -p "$FAULTS"
  chmod 700 "$FAULTS"
  if ! faults_running; then
    rm -f "$FAULTS/faults.pid"
    setsid python3 "$LAB_DIR/faults.py" "$FAULTS/faults.pid" >"$FAULTS/faults.log" 2>&1 </dev/null &
    local i
    for i in $(seq 1 100); do [ -s "$FAULTS/faults.pid" ] && break; sleep 0.1; done
    faults_running || die "the fault lab did not start: see $FAULTS/faults.log"
  fi
  # known_hosts with a different key for h1: what a client sees after h1's key was rotated.
  [ -f "$FAULTS/rotated_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C herd-lab-rotated -f "$FAULTS/rotated_ed25519"
  local rotated; rotated=$(cut -d' ' -f1,2 "$FAULTS/rotated_ed25519.pub")
  awk -v key="$rotated" '$1 == "127.0.0.11" { print $1, key; next } { print }' "$STATE/known_hosts" >"$FAULTS/known_hosts.rotated"
  umask 077
  cat >"$LAB_DIR/faults.ini" <<INI
# Generated by lab/lab.sh faults-up: the fault lab's endpoints. Do not edit.
# Use with --known-hosts lab/state/faults/known_hosts.rotated to see h1 with a rotated key.
[faults]
refused host=127.0.0.20 port=22 user=nobody
silent host=127.0.0.21 port=22 user=nobody
garbage host=127.0.0.22 port=22 user=nobody
flaky host=127.0.0.23 port=2222 user=herd_bob password=bob-lab-pw
h1 host=127.0.0.11 port=22 user=herd_alice password=alice-lab-pw
INI
  echo "lab: fault lab up (pid $(faults_pid)): refused 127.0.0.20:22, silent 127.0.0.21:22 and :22001-22050, garbage 127.0.0.22:22, flaky 127.0.0.23:2222 -> h2, relays 127.0.0.24:30000-30999 -> h1; inventory $LAB_DIR/faults.ini"
}

cmd_faults_down() {
  if faults_running; then stop_pidfile "$FAULTS/faults.pid" "the fault lab"; fi
  rm -f "$FAULTS/faults.pid"
}

cmd_down() {
  cmd_faults_down
  local name rest
  while read -r name rest; do
    if is_running "$name"; then stop_pidfile "$(host_dir "$name")/sshd.pid" "$name"; fi
  done < <(hosts)
  fleet_down
  [ -d "$STATE/hosts" ] || return 0
  local pidfile
  for pidfile in "$STATE"/hosts/*/sshd.pid; do
    if [ -e "$pidfile" ]; then stop_pidfile "$pidfile"; fi
  done
  return 0
}

cmd_status() {
  local name address port user password group state bad=0
  while read -r name address port user password group; do
    if is_running "$name" && wait_for_port "$address" "$port"; then state=up; else state=DOWN; bad=1; fi
    printf 'lab: %-3s %-15s port %-5s user %-11s %-13s %s\n' "$name" "$address" "$port" "$user" "$group" "$state"
  done < <(hosts)
  [ "$bad" -eq 0 ] && echo "lab: inventory $INVENTORY, known_hosts $SHOWN_STATE/known_hosts"
  if is_root; then fleet_status || bad=1; fi
  if faults_running; then echo "lab: fault lab up (pid $(faults_pid)), inventory $LAB_DIR/faults.ini"
  elif is_root; then echo "lab: fault lab DOWN (lab/lab.sh faults-up)"; fi
  return "$bad"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  faults-up) cmd_faults_up ;;
  faults-down) cmd_faults_down ;;
  *) echo "usage: lab/lab.sh up|down|status|faults-up|faults-down" >&2; exit 1 ;;
esac
