"""herdbench: herd's side-by-side benchmark against pssh, pdsh, clush and Ansible.

Run it through ``bench/run.sh`` (which installs the peers and builds herd first); see
bench/README.md. Modules, each with one job:

- ``settings``  fixed numbers and paths (port, user, forks, address ranges, work dir)
- ``farm``      the benchmark sshd processes on loopback, their CPU and logs
- ``hosts``     host sets and the inventory/host-list files every tool reads
- ``measure``   run one command: wall time, CPU of it and all its descendants, peak RSS
- ``tools``     the exact command line of every tool for every scenario, and its success check
- ``scenarios`` the four scenarios: repetitions, alternation, checks, samples
- ``machine``   the machine and the tools' versions
- ``report``    RESULTS.md: tables, machine limit, bars, and the plot (``plot``)
"""
