# tests/fleet/server.sh - a private ClickHouse server for the tests
# (sourced).  Debian's clickhouse-server, on 127.0.0.1 only, with free ports
# and everything under $CH_HOME: its own config and users files, no system
# service.  Users: `default` without a password and `shipper` with the
# password in $CH_PASSWORD.
#
#   ch_init DIR    choose ports, write the configuration
#   ch_start       start it and wait until it answers (60 s at most)
#   ch_stop        stop it (SIGTERM, then SIGKILL)
#   ch_kill        SIGKILL, as a crash would
#   ch_sql SQL     run SQL as `default`, print the answer (TSV)

CH_PASSWORD=ship-secret-42

# Three free TCP ports on 127.0.0.1 (bound and released at once).
ch_free_ports() {
    python3 - <<'PY'
import socket
socks = []
for _ in range(3):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

ch_init() {
    CH_HOME=$1
    mkdir -p "$CH_HOME/data" "$CH_HOME/tmp" "$CH_HOME/user_files" "$CH_HOME/schemas"
    set -- $(ch_free_ports)
    CH_HTTP=$1 CH_TCP=$2 CH_INTER=$3
    CH_URL="http://127.0.0.1:$CH_HTTP"
    cat >"$CH_HOME/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$CH_HOME/server.log</log>
        <errorlog>$CH_HOME/server.err.log</errorlog>
    </logger>
    <http_port>$CH_HTTP</http_port>
    <tcp_port>$CH_TCP</tcp_port>
    <interserver_http_port>$CH_INTER</interserver_http_port>
    <listen_host>127.0.0.1</listen_host>
    <path>$CH_HOME/data/</path>
    <tmp_path>$CH_HOME/tmp/</tmp_path>
    <user_files_path>$CH_HOME/user_files/</user_files_path>
    <format_schema_path>$CH_HOME/schemas/</format_schema_path>
    <users_config>$CH_HOME/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <mark_cache_size>67108864</mark_cache_size>
</yandex>
EOF
    cat >"$CH_HOME/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile><quota>default</quota>
        </default>
        <shipper>
            <password>$CH_PASSWORD</password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile><quota>default</quota>
        </shipper>
    </users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries>
        <errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows>
        <execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
}

ch_start() {
    clickhouse-server --config-file="$CH_HOME/config.xml" \
        >>"$CH_HOME/stdout.log" 2>&1 &
    CH_PID=$!
    i=0
    while [ $i -lt 120 ]; do
        if python3 - "$CH_HTTP" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/ping" % sys.argv[1], timeout=2).read()
PY
        kill -0 "$CH_PID" 2>/dev/null || break
        sleep 0.5
        i=$((i + 1))
    done
    echo "clickhouse-server did not start; its log:" >&2
    tail -n 20 "$CH_HOME/stdout.log" "$CH_HOME/server.err.log" >&2 2>/dev/null
    return 1
}

ch_kill() {
    [ -n "${CH_PID:-}" ] || return 0
    # (|| true: callers may run under set -e, and the server may be gone)
    kill -KILL "$CH_PID" 2>/dev/null || true
    wait "$CH_PID" 2>/dev/null || true
    CH_PID=
}

ch_stop() {
    [ -n "${CH_PID:-}" ] || return 0
    kill -TERM "$CH_PID" 2>/dev/null || true
    i=0
    while kill -0 "$CH_PID" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    ch_kill
}

ch_sql() {
    python3 - "$CH_HTTP" "$1" <<'PY'
import sys, urllib.request
req = urllib.request.Request("http://127.0.0.1:%s/" % sys.argv[1],
                             data=(sys.argv[2] + " FORMAT TSV").encode())
sys.stdout.write(urllib.request.urlopen(req, timeout=30).read().decode())
PY
}
