#!/usr/bin/env python3
"""Benchmark `vindplaats serve` (the embedded index) on the shared search workload.

    python3 benches/search_bench.py --corpus corpus-100k.jsonl --out results-100k

Uses ../shared/bench/meili_bench.py's own query mix, relevance probes, load loop and
percentiles, so the figures compare with Meilisearch's on the same work: 1-3 word queries
drawn by frequency, half with facets ["type", "thema"] and filter "year >= 2020", 8 client
threads with one keep-alive connection each, 30 s after a 3 s warm-up.

Measures: `vindplaats index --jsonl` wall time, peak memory (VmHWM) and size on disk; then
`vindplaats serve --index-dir ... --no-reindex` over HTTP: throughput, p50/p90/p99, single-client
latency per query length, resident memory, and the four Dutch relevance probes. Prints a
table with the ratios to Meilisearch's figures (from --meili-result, or the README's).

Build first: cargo build --release. Nothing here asserts a time; it prints figures."""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
SHARED_BENCH = PROJECT.parent / "shared" / "bench"
sys.path.insert(0, str(SHARED_BENCH))
import meili_bench as mb  # noqa: E402
import synth_corpus  # noqa: E402

# Meilisearch 1.50 on this machine's kind, 100,000 documents (../shared/bench/README.md).
MEILI_README = {"index_s": 97.0, "disk_bytes": 2.4e9, "qps": 780.0, "p50": 9.0, "p99": 25.0}


def log(*a):
    print("search_bench:", *a, file=sys.stderr, flush=True)


def shipped_site(into):
    """A copy of the shipped site for serve to build (it always builds a site)."""
    for name in ("config.toml", "content", "themes", "search"):
        src = PROJECT / name
        if src.is_dir():
            shutil.copytree(src, into / name, ignore=shutil.ignore_patterns("index"))
        elif src.exists():
            shutil.copy(src, into / name)


class Vindplaats:
    """`vindplaats serve` on a free loopback port, shaped like meili_bench.Meili."""

    def __init__(self, binary, site, index_dir, logpath):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.key = "unused"
        self.logfh = open(logpath, "w")
        self.proc = subprocess.Popen(
            [binary, "--site", str(site), "serve", "--bind", f"127.0.0.1:{self.port}",
             "--index-dir", str(index_dir), "--no-reindex", "--no-watch"],
            stdout=self.logfh, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.proc.pid
        end = time.time() + 120
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"vindplaats serve exited with {self.proc.returncode}; see {logpath}")
            try:
                st, _ = self.call("GET", "/health")
                if st == 200:
                    break
            except OSError:
                pass
            if time.time() > end:
                raise SystemExit("vindplaats serve did not answer in 120 s")
            time.sleep(0.1)
        log(f"vindplaats serve pid {self.pid} on 127.0.0.1:{self.port}")

    def call(self, method, path, body=None, ctype=None, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        h = {"Content-Type": ctype or "application/json"}
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        c.request(method, path, body, h)
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        try:
            return r.status, json.loads(data) if data else None
        except ValueError:
            return r.status, data

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.logfh.close()


def rss(pid):
    vals = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":")
                vals[k] = int(v.split()[0]) * 1024
    return vals


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--vindplaats", default=str(PROJECT / "target" / "release" / "vindplaats"))
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--queries", type=int, default=50_000)
    ap.add_argument("--query-seed", type=int, default=7)
    ap.add_argument("--meili-result", help="meili-result.json from meili_bench.py, to compare against")
    ap.add_argument("--keep", action="store_true", help="keep the index and site directory")
    a = ap.parse_args()

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    vocab = synth_corpus.load_vocab(synth_corpus.DEFAULT_SEEDS)
    queries = mb.make_queries(vocab, a.queries, a.query_seed)
    probes, ndocs = mb.build_probes(a.corpus, {w for w, _, _ in vocab})

    work = Path(tempfile.mkdtemp(prefix="vindplaats-bench-"))
    site, index_dir = work / "site", work / "index"
    site.mkdir()
    shipped_site(site)

    # ---- indexing
    log(f"indexing {ndocs} documents from {a.corpus}")
    t0 = time.time()
    proc = subprocess.Popen([a.vindplaats, "--site", str(site), "index", "--jsonl", a.corpus,
                             "--index-dir", str(index_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    mem = mb.MemWatch(proc.pid)
    mem.start()
    output = proc.communicate()[0]
    index_s = time.time() - t0
    mem.stop_ev.set()
    if proc.returncode != 0:
        raise SystemExit(f"vindplaats index failed:\n{output}")
    log(output.strip().replace("\n", " | "))
    index_hwm = mem.hwm
    disk, apparent = mb.disk_usage(index_dir)

    # ---- serving
    v = Vindplaats(a.vindplaats, site, index_dir, out / "serve.log")
    try:
        checks = mb.run_probes(v, probes)
        sem = mb.semantics(v, queries)
        (out / "vindplaats-semantics.json").write_text(json.dumps(sem, ensure_ascii=False))
        mb.load_run(v, queries, a.threads, a.warmup, "warm-up")
        load = mb.load_run(v, queries, a.threads, a.duration, "measured run")
        serve_mem = rss(v.pid)
    finally:
        v.stop()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)

    single = {}
    for k in (1, 2, 3):
        ms = [r["ms"] for r, q in zip(sem, queries) if q["words"] == k]
        single[f"{k}w"] = statistics.median(ms) if ms else None
    lat = load["latency_ms"]["all"]
    res = {"engine": "vindplaats", "docs": ndocs, "index_s": index_s, "index_peak_bytes": index_hwm,
           "disk_bytes": disk, "disk_apparent_bytes": apparent, "serve_rss_bytes": serve_mem.get("VmRSS"),
           "serve_hwm_bytes": serve_mem.get("VmHWM"), "load": load, "single_client_median_ms": single,
           "checks": checks}
    (out / "vindplaats-result.json").write_text(json.dumps(res, indent=1, ensure_ascii=False))

    meili = dict(MEILI_README)
    if a.meili_result:
        m = json.loads(Path(a.meili_result).read_text())
        lat_m = m["search"]["latency_ms"]["all"]
        meili.update(index_s=m["index"]["wall_s"], disk_bytes=m["index"]["disk_bytes"],
                     qps=lat_m["qps"], p50=lat_m["p50"], p99=lat_m["p99"])

    print(f"\nvindplaats serve, {ndocs} documents, {a.threads} clients for {a.duration:.0f} s")
    print(f"  index build   {index_s:8.1f} s     (Meilisearch {meili['index_s']:.0f} s: ratio {index_s / meili['index_s']:.3f}, goal <= 0.1)")
    print(f"  index on disk {disk / 1e6:8.0f} MB    (Meilisearch {meili['disk_bytes'] / 1e6:.0f} MB: ratio {disk / meili['disk_bytes']:.3f}, goal <= 0.25)")
    print(f"  index peak    {index_hwm / 1e6:8.0f} MB    (VmHWM of `vindplaats index`)")
    print(f"  throughput    {lat['qps']:8.0f} q/s   (Meilisearch {meili['qps']:.0f}: ratio {lat['qps'] / meili['qps']:.2f}, goal >= 2)")
    print(f"  p50 / p90 / p99 {lat['p50']:.1f} / {lat['p90']:.1f} / {lat['p99']:.1f} ms "
          f"(Meilisearch p50 {meili['p50']:.0f}, p99 {meili['p99']:.0f}: p99 ratio {lat['p99'] / meili['p99']:.2f}, goal <= 0.5)")
    print(f"  serve memory  {serve_mem.get('VmRSS', 0) / 1e6:8.0f} MB resident after the load (peak {serve_mem.get('VmHWM', 0) / 1e6:.0f} MB; goal < 500)")
    print(f"  errors        {load['errors']}; server used {load['server_cores']:.2f} cores, the client {load['client_cores']:.2f}")
    print("  single client, median: " + ", ".join(f"{k} {v:.1f} ms" for k, v in single.items() if v is not None))
    mb.print_table(load["latency_ms"])
    print("relevance probes:")
    for c in checks:
        print(f"  {'yes' if c['ok'] else 'no '}  {c['name']}  {mb.check_detail(c)}")


if __name__ == "__main__":
    main()
