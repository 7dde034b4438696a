# Sourced by the benchmark scripts (POSIX sh or bash): whether a server listens, without connecting.
#
#   . "$(dirname "$0")/../lib/listening.sh"
#   until listening 8080; do sleep 0.05; done

# listening PORT: whether a TCP socket listens on PORT (any address), read from /proc/net/tcp and
# tcp6 (state 0A), as the Swift side's ListenerTable does. Never connects: `openssl ocsp` spins on a
# connection that sends nothing. Needs no `ss`.
listening() {
    # shellcheck disable=SC2046 # tcp6 is absent where IPv6 is off: the word is then empty.
    awk -v port=":$(printf '%04X' "$1")" \
        'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == port { found = 1 } END { exit !found }' \
        /proc/net/tcp $( [ -r /proc/net/tcp6 ] && echo /proc/net/tcp6 )
}
