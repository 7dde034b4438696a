#!/usr/bin/env python3
"""`staple run` as a service, measured against nginx alone (issue 12's "Benchmark").

    STAPLE_BIN=.build/release/staple python3 Benchmarks/run-outputs/service.py \\
        [--starts 20] [--renewals 3] [--sites 1000] [--observe 60]

Everything runs on 127.0.0.1 in a temporary directory: a P-256 CA and leaves made with `openssl`,
one `openssl ocsp -index` responder (answers valid one day), a private nginx 1.22
(`worker_processes 2`), and the `staple` binary from $STAPLE_BIN (default .build/release/staple).

(a) First connections: `staple run --config` manages one site's `include_file` snippet and staple
    file; nginx is started --starts times, and the first two `openssl s_client -status -tls1_2`
    connections after each start are counted when they carry a *valid* staple: the DER taken from
    the CertificateStatus message and checked with `openssl ocsp -respin ... -CAfile` (signature,
    serial, "good", times). Peer: the same nginx with `ssl_stapling on;` and no file, fetching from
    the same responder itself.
(b) Renewal: with `staple run` and nginx running, the chain and key files are replaced (renamed over,
    as certbot does) and the time until a handshake serves the new certificate with a valid staple
    for it is measured; staple run notices the change by polling (certificate_poll_interval, 10 s by
    default), fetches, writes, and reloads nginx (debounce 2 s), which also loads the new certificate.
    Peer: nginx alone with a deploy hook that runs `nginx -s reload` at once, polled the same way.
(c) 1,000 sites: a second `staple run` with --sites `directory:` sites; its resident memory (VmRSS)
    and CPU time (fields 14+15 of /proc/PID/stat) until every staple is installed, and over --observe
    idle seconds. Peer: the cron recipe, one `openssl ocsp -issuer -cert -url -respout` per site
    (CPU of the children, measured over 100 sites; its peak RSS, one process at a time).

Prints one `RESULT {json}` line per figure (Benchmarks/run collects them). Needs nginx, openssl, ss.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return f":{port}" in out


def wait_listening(port, process=None, what="server"):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            sys.exit(f"{what} exited with {process.returncode} before listening on {port}")
        if listening(port):
            return
        time.sleep(0.02)
    sys.exit(f"{what} did not listen on {port}")


def openssl(*arguments, **kwargs):
    return subprocess.run(["openssl", *arguments], check=True, capture_output=True, **kwargs)


def result(metric, staple, peer, peer_name, unit, higher_is_better):
    print("RESULT " + json.dumps({"benchmark": "run-service", "metric": metric, "staple": staple, "peer": peer,
                                  "peerName": peer_name, "unit": unit, "higherIsBetter": higher_is_better}),
          flush=True)


def cpu_ticks(pid):
    """utime + stime (fields 14 and 15 of /proc/PID/stat), in clock ticks."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PKI:
    """A CA and leaves signed with one leaf key (each leaf its own serial and name)."""

    def __init__(self, directory, responder_url):
        self.directory = directory
        self.url = responder_url
        self.serial = 0x5000
        self.index = []
        self.path("ca.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.path("ca.key"), "-out", self.path("ca.pem"), "-subj", "/CN=run-service-bench-ca",
                "-days", "2")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                self.path("leaf.key"), "-out", self.path("leaf.csr"), "-subj", "/CN=leaf")

    def path(self, name):
        return os.path.join(self.directory, name)

    def issue(self, name, host):
        """`name.pem` (leaf then CA) and `name.key`; returns the serial in hex."""
        self.serial += 1
        serial = f"{self.serial:X}"
        extensions = self.path(f"{name}.ext")
        with open(extensions, "w") as handle:
            handle.write(f"subjectAltName=DNS:{host}\nauthorityInfoAccess=OCSP;URI:{self.url}\n")
        leaf = self.path(f"{name}.leaf.pem")
        openssl("x509", "-req", "-in", self.path("leaf.csr"), "-CA", self.path("ca.pem"), "-CAkey",
                self.path("ca.key"), "-set_serial", f"0x{serial}", "-out", leaf, "-days", "1", "-extfile",
                extensions)
        with open(self.path(f"{name}.pem"), "w") as handle:
            handle.write(open(leaf).read() + open(self.path("ca.pem")).read())
        shutil.copy(self.path("leaf.key"), self.path(f"{name}.key"))
        os.remove(extensions)
        # Subjects must differ: `openssl ocsp -index` refuses an index with a subject twice.
        self.index.append(f"V\t301231000000Z\t\t{serial}\tunknown\t/CN={name}\n")
        return serial

    def write_index(self):
        with open(self.path("index.txt"), "w") as handle:
            handle.writelines(self.index)


class Responder:
    def __init__(self, pki, port):
        self.process = subprocess.Popen(
            ["openssl", "ocsp", "-index", pki.path("index.txt"), "-port", str(port), "-CA", pki.path("ca.pem"),
             "-rsigner", pki.path("ca.pem"), "-rkey", pki.path("ca.key"), "-ndays", "1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        # Never probe it by connecting: a bare connection makes `openssl ocsp` spin (TESTING-NOTES).
        wait_listening(port, self.process, "openssl ocsp")

    def stop(self):
        self.process.kill()
        self.process.wait()


class Nginx:
    """A private nginx under `root`, `worker_processes 2`, one server{} whose stapling lines are `stapling`."""

    def __init__(self, root, port, chain, key, stapling):
        self.root, self.port = root, port
        os.makedirs(f"{root}/logs", exist_ok=True)
        os.makedirs(f"{root}/tmp", exist_ok=True)
        with open(f"{root}/nginx.conf", "w") as handle:
            handle.write(f"""daemon off; worker_processes 2; pid {root}/nginx.pid; error_log {root}/logs/error.log;
events {{}}
http {{ access_log off; client_body_temp_path {root}/tmp/b; proxy_temp_path {root}/tmp/p;
       fastcgi_temp_path {root}/tmp/f; uwsgi_temp_path {root}/tmp/u; scgi_temp_path {root}/tmp/s;
  server {{ listen 127.0.0.1:{port} ssl; server_name www.test; ssl_protocols TLSv1.2 TLSv1.3;
           ssl_certificate {chain}; ssl_certificate_key {key};
           {stapling} return 200 "ok\\n"; }} }}
""")
        self.process = None

    @property
    def reload_command(self):
        return f"nginx -p {self.root} -c {self.root}/nginx.conf -s reload"

    def start(self):
        self.process = subprocess.Popen(["nginx", "-p", self.root, "-c", f"{self.root}/nginx.conf"],
                                        stdin=subprocess.DEVNULL)
        wait_listening(self.port, self.process, "nginx")

    def reload(self):
        subprocess.run(self.reload_command.split(), check=True, capture_output=True)

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            self.process.wait()
        self.process = None
        # Wait until the port is free again (the workers are gone).
        deadline = time.monotonic() + 60
        while listening(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)


def handshake(port, server_name="www.test"):
    """(served leaf PEM, stapled DER or None) of one `openssl s_client -tls1_2 -status -msg` connection."""
    out = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", server_name, "-tls1_2", "-status",
         "-msg"], stdin=subprocess.DEVNULL, capture_output=True, text=True).stdout
    # "Server certificate": the OCSP response printed before it may embed its signer's certificate.
    pem = re.search(r"Server certificate\n(-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n)", out, re.S)
    return (pem.group(1) if pem else None), certificate_status(out)


def certificate_status(dump):
    """The OCSPResponse of the CertificateStatus message in a `-msg` dump (RFC 6066 §8)."""
    data, inside = bytearray(), False
    for line in dump.splitlines():
        if line.startswith("<<<") or line.startswith(">>>"):
            if inside:
                break
            inside = line.startswith("<<<") and line.endswith("CertificateStatus")
            continue
        if inside:
            tokens = line.split()
            if not tokens or any(len(t) != 2 for t in tokens):
                break
            data.extend(int(t, 16) for t in tokens)
    if len(data) < 8 or data[0] != 0x16 or data[4] != 1:
        return None
    length = int.from_bytes(data[5:8], "big")
    return bytes(data[8:]) if len(data) == 8 + length else None


def valid_staple(der, pki, name, scratch):
    """Whether `der` verifies (signature by the CA, good for `name`.pem, times valid now) with `openssl ocsp`."""
    if der is None:
        return False
    path = os.path.join(scratch, "seen.der")
    with open(path, "wb") as handle:
        handle.write(der)
    check = subprocess.run(
        ["openssl", "ocsp", "-respin", path, "-issuer", pki.path("ca.pem"), "-cert", pki.path(f"{name}.leaf.pem"),
         "-CAfile", pki.path("ca.pem"), "-no_nonce"], capture_output=True, text=True)
    text = check.stdout + check.stderr
    return (check.returncode == 0 and "Response verify OK" in text and f"{name}.leaf.pem: good" in text
            and "Status times invalid" not in text)


class StapleRun:
    def __init__(self, binary, config, metrics_port, log):
        self.log = open(log, "w")
        self.process = subprocess.Popen([binary, "run", "--config", config], stdout=self.log, stderr=self.log,
                                        stdin=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{metrics_port}"
        wait_listening(metrics_port, self.process, "staple run")

    def status(self):
        with urllib.request.urlopen(self.base + "/status", timeout=10) as answer:
            return json.load(answer)

    def wait_stapled(self, sites):
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"staple run exited with {self.process.returncode}")
            entries = self.status()["sites"]
            if len(entries) == sites and all(entry["stapled"] for entry in entries):
                return
            time.sleep(0.2)
        sys.exit("staple run did not staple every site")

    def wait_metric(self, sample):
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with urllib.request.urlopen(self.base + "/metrics", timeout=10) as answer:
                if any(line.startswith(sample + " ") for line in answer.read().decode().splitlines()):
                    return
            time.sleep(0.2)
        sys.exit(f"staple run's /metrics never showed {sample}")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait()
        self.log.close()
        return status


def site_yaml(name, chain, nginx=None, directory=None, port=None):
    lines = [f"  - name: {name}", f"    certificate: {chain}"]
    if nginx is not None:
        lines += ["    nginx:", f"      staple_file: {nginx.root}/{name}.der",
                  f"      include_file: {nginx.root}/{name}.conf", f"      reload: {nginx.reload_command}",
                  f"      confirm: 127.0.0.1:{port}", "      server_name: www.test"]
    if directory is not None:
        lines.append(f"    directory: {directory}")
    return "\n".join(lines) + "\n"


def write_config(path, state, metrics_port, sites):
    with open(path, "w") as handle:
        handle.write(f"state_directory: {state}\nmetrics_listen: 127.0.0.1:{metrics_port}\nsites:\n{sites}")


def first_connections(nginx, starts, pki, scratch):
    good = 0
    for _ in range(starts):
        nginx.start()
        for _ in range(2):
            _, der = handshake(nginx.port)
            good += valid_staple(der, pki, "www", scratch)
        nginx.stop()
    return good


def renewal_seconds(nginx, pki, scratch, renewed_names, hook):
    """Seconds from replacing www.pem/www.key with each renewed certificate to a handshake serving it with
    a valid staple for it, and how many handshakes meanwhile served the new certificate without one;
    `hook` runs right after the files are replaced (None: nothing runs)."""
    times, unstapled = [], 0
    for name in renewed_names:
        wanted = open(pki.path(f"{name}.leaf.pem")).read()
        for suffix in ("pem", "key"):
            shutil.copy(pki.path(f"{name}.{suffix}"), pki.path(f"www.{suffix}.new"))
        started = time.monotonic()
        for suffix in ("pem", "key"):
            os.rename(pki.path(f"www.{suffix}.new"), pki.path(f"www.{suffix}"))
        if hook:
            hook()
        unstapled += wait_served(nginx, pki, name, scratch, wanted)
        times.append(time.monotonic() - started)
    return times, unstapled


def wait_served(nginx, pki, name, scratch, wanted=None):
    """Returns once a handshake serves `name`'s certificate (PEM `wanted`) with a valid staple for it: the
    number of handshakes before that which served it without one."""
    wanted = wanted or open(pki.path(f"{name}.leaf.pem")).read()
    started = time.monotonic()
    unstapled = 0
    while True:
        pem, der = handshake(nginx.port)
        if pem == wanted:
            if valid_staple(der, pki, name, scratch):
                return unstapled
            unstapled += 1
        if time.monotonic() - started > 300:
            sys.exit(f"no stapled handshake with {name} after 300 s")
        time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--renewals", type=int, default=3)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--observe", type=int, default=60, help="idle seconds observed with --sites sites")
    arguments = parser.parse_args()
    binary = os.path.abspath(os.path.join(ROOT, os.environ.get("STAPLE_BIN", ".build/release/staple")))
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} is not an executable (build it, or set STAPLE_BIN)")
    for tool in ("nginx", "openssl", "ss"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (apt-get install nginx openssl iproute2)")
    print(f"staple binary: {binary}", flush=True)

    work = tempfile.mkdtemp(prefix="run-service-bench-")
    cleanup = []
    try:
        responder_port = free_port()
        pki = PKI(work, f"http://127.0.0.1:{responder_port}/")
        # Every certificate is issued before the responder starts: `openssl ocsp` reads its index once.
        pki.issue("www", "www.test")
        shutil.copy(pki.path("www.pem"), pki.path("www-original.pem"))
        shutil.copy(pki.path("www.leaf.pem"), pki.path("www-original.leaf.pem"))
        renewed = [f"renewed{i}" for i in range(arguments.renewals)]
        for name in renewed:
            pki.issue(name, "www.test")
        fleet = [f"site{i}" for i in range(arguments.sites)]
        print(f"issuing {len(fleet)} certificates...", flush=True)
        for name in fleet:
            pki.issue(name, f"{name}.test")
        pki.write_index()
        responder = Responder(pki, responder_port)
        cleanup.append(responder.stop)

        # (a) first connections, staple run managing the snippet and the staple file.
        port = free_port()
        managed_root = os.path.join(work, "managed")
        managed = Nginx(managed_root, port, pki.path("www.pem"), pki.path("www.key"),
                        f"include {managed_root}/www.conf;")
        cleanup.append(managed.stop)
        metrics_port = free_port()
        config = os.path.join(work, "staple.yaml")
        write_config(config, os.path.join(work, "state"), metrics_port,
                     site_yaml("www", pki.path("www.pem"), nginx=managed, port=port))
        run = StapleRun(binary, config, metrics_port, os.path.join(work, "run.log"))
        cleanup.append(run.stop)
        run.wait_stapled(1)
        # nginx was not running when staple run first reloaded it: let the retry succeed (confirmed)
        # before the restarts, so that no backoff is pending when the renewal is measured.
        managed.start()
        run.wait_metric('staple_run_reloads_total{outcome="confirmed"}')
        managed.stop()
        managed_good = first_connections(managed, arguments.starts, pki, work)
        alone = Nginx(os.path.join(work, "alone"), port, pki.path("www.pem"), pki.path("www.key"),
                      "ssl_stapling on;")
        cleanup.append(alone.stop)
        alone_good = first_connections(alone, arguments.starts, pki, work)
        total = 2 * arguments.starts
        print(f"(a) first two connections after each of {arguments.starts} nginx starts with a valid staple: "
              f"staple run {managed_good}/{total}, nginx alone {alone_good}/{total}", flush=True)
        result(f"first two connections after {arguments.starts} nginx starts with a valid staple (verified)",
               managed_good, alone_good, "nginx alone (ssl_stapling on)", f"of {total}", True)

        # (b) renewal to a stapled handshake with the new certificate: by staple run's own polling, and
        # by certbot's deploy hook from docs/commands/run.md (`staple run --renewed` then `nginx -s reload`).
        if renewed:
            managed.start()
            watched, watched_unstapled = renewal_seconds(managed, pki, work, renewed, hook=None)

            def deploy_hook():
                subprocess.run([binary, "run", "--config", config, "--renewed", pki.path("www.pem")], check=True,
                               capture_output=True)
                managed.reload()

            for suffix in ("pem", "leaf.pem"):
                shutil.copy(pki.path(f"www-original.{suffix}"), pki.path(f"www.{suffix}"))
            managed.reload()
            wait_served(managed, pki, "www", work)  # the service has taken the original back
            hooked_run, hooked_run_unstapled = renewal_seconds(managed, pki, work, renewed, hook=deploy_hook)
            managed.stop()
            run_status = run.stop()
            cleanup.remove(run.stop)
            if run_status != 0:
                sys.exit(f"staple run exited {run_status} on SIGTERM")
            for suffix in ("pem", "leaf.pem"):
                shutil.copy(pki.path(f"www-original.{suffix}"), pki.path(f"www.{suffix}"))
            alone.start()
            hooked, hooked_unstapled = renewal_seconds(alone, pki, work, renewed, hook=alone.reload)
            alone.stop()
            mean = lambda values: sum(values) / len(values)
            shown = lambda values: f"{', '.join(f'{t:.1f}' for t in values)} s (mean {mean(values):.1f} s)"
            print(f"(b) renewal to a stapled handshake with the new certificate: staple run's polling (every 10 s, "
                  f"no hook) {shown(watched)}; deploy hook `staple run --renewed` + `nginx -s reload` "
                  f"{shown(hooked_run)}; nginx alone with a deploy hook `nginx -s reload` {shown(hooked)}",
                  flush=True)
            print(f"    handshakes with the new certificate but no valid staple before the first stapled one "
                  f"(client polling every 50 ms, {len(renewed)} renewals): staple run {watched_unstapled} (polling), "
                  f"{hooked_run_unstapled} (hook); nginx alone {hooked_unstapled}", flush=True)
            result(f"handshakes with the renewed certificate and no valid staple ({len(renewed)} renewals, hook)",
                   hooked_run_unstapled, hooked_unstapled, "nginx alone + reload hook", "handshakes", False)
            result("renewal to a stapled handshake, deploy hook (staple run --renewed + reload) (mean)",
                   round(mean(hooked_run), 2), round(mean(hooked), 2), "nginx alone + reload hook", "s", False)
            result("renewal to a stapled handshake, no hook (staple run polls every 10 s) (mean)",
                   round(mean(watched), 2), round(mean(hooked), 2), "nginx alone + reload hook", "s", False)
        else:
            run.stop()
            cleanup.remove(run.stop)

        # (c) memory and CPU with --sites sites.
        if fleet:
            out = os.path.join(work, "out")
            os.makedirs(out)
            fleet_config = os.path.join(work, "fleet.yaml")
            fleet_port = free_port()
            write_config(fleet_config, os.path.join(work, "fleet-state"), fleet_port,
                         "".join(site_yaml(name, pki.path(f"{name}.pem"), directory=out) for name in fleet))
            started = time.monotonic()
            service = StapleRun(binary, fleet_config, fleet_port, os.path.join(work, "fleet.log"))
            cleanup.append(service.stop)
            service.wait_stapled(len(fleet))
            startup = time.monotonic() - started
            pid = service.process.pid
            startup_cpu = cpu_ticks(pid) / CLK_TCK
            startup_rss = rss_kib(pid)
            before = cpu_ticks(pid)
            time.sleep(arguments.observe)
            idle_cpu = (cpu_ticks(pid) - before) / CLK_TCK
            end_rss = rss_kib(pid)
            status = service.stop()
            cleanup.remove(service.stop)
            # The cron recipe: one openssl ocsp client per site, for 100 sites.
            sample = fleet[:100]
            cron_out = os.path.join(work, "cron")
            os.makedirs(cron_out)
            children = os.times()
            for name in sample:
                subprocess.run(["openssl", "ocsp", "-issuer", pki.path("ca.pem"), "-cert", pki.path(f"{name}.leaf.pem"),
                                "-url", pki.url, "-no_nonce", "-CAfile", pki.path("ca.pem"), "-respout",
                                os.path.join(cron_out, f"{name}.der")], check=True, capture_output=True)
            after = os.times()
            cron_cpu = (after.children_user - children.children_user) + (after.children_system - children.children_system)
            # Its peak RSS, in a process of its own (this one's children include staple run and nginx).
            probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                     "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            cron_peak_kib = int(subprocess.run(
                [sys.executable, "-c", probe, "openssl", "ocsp", "-issuer", pki.path("ca.pem"), "-cert",
                 pki.path(f"{sample[0]}.leaf.pem"), "-url", pki.url, "-no_nonce", "-CAfile", pki.path("ca.pem"),
                 "-respout", os.path.join(cron_out, "peak.der")], check=True, capture_output=True,
                text=True).stdout.strip())
            per_site_ms = startup_cpu / len(fleet) * 1000
            cron_per_site_ms = cron_cpu / len(sample) * 1000
            print(f"(c) {len(fleet)} sites: every staple installed {startup:.1f} s after start, "
                  f"{startup_cpu:.2f} s CPU ({per_site_ms:.2f} ms per site; cron recipe `openssl ocsp` "
                  f"{cron_per_site_ms:.2f} ms per site over {len(sample)}); RSS {startup_rss / 1024:.1f} MiB after "
                  f"start-up, {end_rss / 1024:.1f} MiB after {arguments.observe} s idle "
                  f"({idle_cpu:.2f} s CPU while idle, {idle_cpu / arguments.observe * 100:.2f} % of one core); "
                  f"SIGTERM exit {status}", flush=True)
            result(f"CPU per site fetched, verified and installed at start-up ({len(fleet)} sites)",
                   round(per_site_ms, 3), round(cron_per_site_ms, 3), "cron recipe (openssl ocsp per site)", "ms",
                   False)
            result(f"resident memory with {len(fleet)} sites", round(end_rss / 1024, 1),
                   round(cron_peak_kib / 1024, 1), "openssl ocsp peak (one site at a time)", "MiB", False)
    finally:
        for stop in reversed(cleanup):
            try:
                stop()
            except Exception as error:  # keep cleaning up
                print(f"cleanup: {error}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
