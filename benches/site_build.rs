//! Benchmark: `vindplaats build` of the shipped site plus N synthetic
//! publications (the theme's own templates, all taxonomies), for N = 1,000
//! and 10,000. Prints pages/second and peak memory; with `ZOLA_BIN` set it
//! also times real `zola build` on the same generated site.
//!
//! Run: `cargo bench --bench site_build` (sizes: `-- 1000 10000`).
//! Each size runs in its own process so its peak memory is its own.
//! `VINDPLAATS_BENCH_ONLY=incremental` (or `serve`) times only the edits;
//! `VINDPLAATS_BENCH_EDITS=N` makes each in-process edit N times.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use vindplaats::site::{build, BuildOptions};

mod common;

use common::{peak_memory, WORDS};

fn main() {
    common::setup();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if let Ok(size) = std::env::var("VINDPLAATS_BENCH_CHILD") {
        run_one(size.parse().expect("a number of publications"));
        return;
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![1_000, 10_000]
    } else {
        args.iter().filter_map(|a| a.parse().ok()).collect()
    };
    let me = std::env::current_exe().expect("own path");
    for size in sizes {
        let status = Command::new(&me)
            .env("VINDPLAATS_BENCH_CHILD", size.to_string())
            .status()
            .expect("runs");
        assert!(status.success(), "benchmark of {size} publications failed");
    }
}

fn run_one(size: usize) {
    let site = tempfile::tempdir().expect("a temporary folder");
    let site_path = match std::env::var_os("VINDPLAATS_BENCH_SITE") {
        // Keep the generated site for a closer look (profiling, zola).
        Some(dir) => PathBuf::from(dir),
        None => site.path().to_path_buf(),
    };
    std::fs::create_dir_all(&site_path).expect("the site folder");
    let started = Instant::now();
    generate(&site_path, size);
    // The generator's files go to disk before anything is timed, so that
    // the first build (ours, and Zola's later) does not pay for flushing
    // them.
    let _ = Command::new("sync").status();
    println!(
        "\n== {size} synthetic publications (+ shipped content), generated in {:.2} s",
        started.elapsed().as_secs_f64()
    );

    // VINDPLAATS_BENCH_ONLY=incremental (in process) or =serve (and the real
    // server): only the edits' figures, for working on them.
    let only = std::env::var("VINDPLAATS_BENCH_ONLY").unwrap_or_default();
    if !only.is_empty() {
        incremental_figures(&site_path, only == "serve");
        return;
    }

    // The first build writes every file into an empty public/; later ones
    // find most files unchanged and leave them alone.
    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..3 {
        let r = build(&site_path, &BuildOptions::default()).expect("the synthetic site builds");
        assert!(
            r.problems.is_empty(),
            "problems: {:?}",
            &r.problems[..r.problems.len().min(5)]
        );
        times.push(r.total_time());
        report = Some(r);
    }
    let report = report.expect("at least one build");
    let first = times[0].as_secs_f64();
    let rebuild = times[1].min(times[2]).as_secs_f64();
    let html_pages = report.pages + report.sections + report.pagers + report.taxonomy_terms;
    println!(
        "vindplaats build: first {first:.3} s (empty public/), rebuild {rebuild:.3} s (load {:.3} s, render {:.3} s, write {:.3} s)",
        report.load_time.as_secs_f64(),
        report.render_time.as_secs_f64(),
        report.write_time.as_secs_f64()
    );
    println!(
        "  {} content pages, {} HTML pages (with pagers and term pages), {} files: first build {:.0} content pages/s, rebuild {:.0} content pages/s",
        report.pages,
        html_pages,
        report.files_written,
        report.pages as f64 / first,
        report.pages as f64 / rebuild
    );
    println!("  peak memory (VmHWM): {}", peak_memory());

    publish_figures(&site_path, rebuild);
    incremental_figures(&site_path, true);

    if let Some(zola) = std::env::var_os("ZOLA_BIN") {
        let mut zola_times: Vec<Duration> = Vec::new();
        for _ in 0..3 {
            let out = site_path.as_path().join("zola-public");
            let started = Instant::now();
            let status = Command::new(&zola)
                .args(["build", "--force", "--output-dir"])
                .arg(&out)
                .current_dir(site_path.as_path())
                .stdout(std::process::Stdio::null())
                .status()
                .expect("ZOLA_BIN runs");
            assert!(status.success(), "zola build failed");
            zola_times.push(started.elapsed());
        }
        zola_times.sort();
        let zbest = zola_times[0].as_secs_f64();
        println!(
            "zola build (same site): best {zbest:.3} s, median {:.3} s: {:.0} content pages/s; vindplaats first build / zola best = {:.2}",
            zola_times[1].as_secs_f64(),
            report.pages as f64 / zbest,
            first / zbest
        );
    } else {
        println!("zola: not compared (set ZOLA_BIN to a zola 0.22 binary)");
    }
}

/// One publication's body, its title and one of its terms, each edited
/// once: the rebuild with the memo `serve` keeps (in process), and the time
/// from writing the file to `serve` answering with the new page.
fn incremental_figures(site_path: &Path, with_serve: bool) {
    let memo: vindplaats::site::SharedMemo = Default::default();
    let options = BuildOptions {
        memo: Some(memo.clone()),
        ..Default::default()
    };
    let started = Instant::now();
    vindplaats::build::build(site_path, &options).expect("builds");
    println!(
        "incremental: the first build with a memo {:.3} s",
        started.elapsed().as_secs_f64()
    );
    let file = site_path.join("content/publicaties/synth-00042.md");
    let page = "/publicaties/synth-00042/";
    let original = std::fs::read_to_string(&file).expect("the publication");
    type Edit = Box<dyn Fn(&str, usize) -> String>;
    let edits: [(&str, Edit); 3] = [
        (
            "its body",
            Box::new(|t: &str, n: usize| format!("{t}\nBewerkt {n}.\n")),
        ),
        (
            "its title (which moves it in title-sorted lists)",
            Box::new(|t: &str, n: usize| {
                t.replacen("title = \"", &format!("title = \"Aaa bewerkt {n} "), 1)
            }),
        ),
        (
            "one taxonomy term",
            Box::new(|t: &str, n: usize| {
                let theme = if n.is_multiple_of(2) {
                    "Gelijke kansen"
                } else {
                    "Sociale verbondenheid"
                };
                let start = t.find("thema = [").unwrap_or(0);
                let end = start + t[start..].find('\n').unwrap_or(0);
                format!("{}thema = [\"{theme}\"]{}", &t[..start], &t[end..])
            }),
        ),
    ];
    // VINDPLAATS_BENCH_EDITS: how many times each edit is made (3), more
    // for a profiler to see the rebuilds rather than the first build.
    let repeats: usize = std::env::var("VINDPLAATS_BENCH_EDITS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
        .max(1);
    for (what, edit) in &edits {
        let mut best = f64::MAX;
        let mut rendered = 0;
        let mut parts = (0.0, 0.0, 0.0);
        let mut steps = String::new();
        for n in 0..repeats {
            std::fs::write(&file, edit(&original, n)).expect("edit");
            let started = Instant::now();
            let r = vindplaats::build::build(site_path, &options).expect("rebuilds");
            let took = started.elapsed().as_secs_f64();
            if took < best {
                best = took;
                rendered = r.site.rendered;
                parts = (
                    r.site.load_time.as_secs_f64(),
                    r.site.render_time.as_secs_f64(),
                    r.site.write_time.as_secs_f64(),
                );
                steps = r
                    .site
                    .steps
                    .iter()
                    .map(|(s, d)| format!("{s} {:.0}", d.as_secs_f64() * 1000.0))
                    .collect::<Vec<_>>()
                    .join(", ");
            }
        }
        println!(
            "  one edit to {what}: rebuild {best:.3} s (load {:.3}, render {:.3}, write {:.3}), {rendered} outputs rendered\n    steps in ms: {steps}",
            parts.0, parts.1, parts.2
        );
    }
    std::fs::write(&file, &original).expect("restore");
    if with_serve {
        serve_figures(site_path, &file, page, &original);
    }
}

/// Starts the real `vindplaats serve` on the site and times, for the same
/// three edits, the moment the file is written until the page it changes
/// is served with the change.
fn serve_figures(site_path: &Path, file: &Path, page: &str, original: &str) {
    use std::io::{BufRead, BufReader, Read, Write};
    let index = tempfile::tempdir().expect("an index folder");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vindplaats"))
        .arg("--site")
        .arg(site_path)
        .args(["serve", "--bind", "127.0.0.1:0", "--index-dir"])
        .arg(index.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let started = Instant::now();
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let Some(Ok(line)) = lines.next() else {
            println!("serve: not measured (it printed no address)");
            let _ = child.kill();
            let _ = child.wait();
            return;
        };
        if let Some(at) = line.find("http://") {
            let url = line[at + 7..].split_whitespace().next().unwrap_or_default();
            break url.trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    println!(
        "serve: ready in {:.2} s (first build and search index)",
        started.elapsed().as_secs_f64()
    );
    let get = |path: &str| -> String {
        let Ok(mut stream) = std::net::TcpStream::connect(&addr) else {
            return String::new();
        };
        let _ = write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        );
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        // The body only: the headers carry the time.
        answer
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default()
    };
    let theme_line = |t: &str| {
        let start = t.find("thema = [").unwrap_or(0);
        let end = start + t[start..].find('\n').unwrap_or(0);
        format!(
            "{}thema = [\"Gelijke kansen\", \"Sociale verbondenheid\"]{}",
            &t[..start],
            &t[end..]
        )
    };
    let edits = [
        ("its body", format!("{original}\nServe-bewerking.\n")),
        (
            "its title",
            original.replacen("title = \"", "title = \"Aaa serve-titel ", 1),
        ),
        ("one taxonomy term", theme_line(original)),
    ];
    let served = get(page);
    for (what, text) in &edits {
        let mut times = Vec::new();
        for _ in 0..3 {
            // Back to the original first, and wait until that is served.
            std::fs::write(file, original).expect("restore");
            let until = Instant::now() + Duration::from_secs(60);
            while get(page) != served && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
            // The page shows before the rebuild has made the API, feeds
            // and search documents; an editor's next save comes later
            // than that rest of the rebuild.
            std::thread::sleep(Duration::from_millis(1500));
            let written = Instant::now();
            std::fs::write(file, text).expect("edit");
            let until = written + Duration::from_secs(60);
            while get(page) == served && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(2));
            }
            times.push(written.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "  serve: one edit to {what}, file written to new page served: best {:.3} s, median {:.3} s",
            times[0], times[1]
        );
    }
    std::fs::write(file, original).expect("restore");
    // What the server holds: right after the edits, and after a quiet
    // spell with one request (the allocator hands freed memory back as it
    // works, after its purge delay).
    let rss = |pid: u32| -> String {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .map(|l| l.trim_start_matches("VmRSS:").trim().to_string())
            })
            .unwrap_or_else(|| "unknown".to_string())
    };
    let pid = child.id();
    std::thread::sleep(Duration::from_secs(1));
    let busy = rss(pid);
    std::thread::sleep(Duration::from_secs(15));
    let _ = get("/");
    std::thread::sleep(Duration::from_millis(200));
    println!(
        "  serve: resident memory after the edits {busy}, after 15 s quiet and one request {}",
        rss(pid)
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// The whole build (site, then API, feeds, citations and podcast feeds from
/// the same collection) against the site alone, the OAI-PMH repository's
/// build, and a full Sickle harvest of `/oai` on loopback.
fn publish_figures(site_path: &Path, site_rebuild: f64) {
    let mut full = Vec::new();
    let mut report = None;
    for _ in 0..3 {
        let r =
            vindplaats::build::build(site_path, &BuildOptions::default()).expect("the whole build");
        full.push(r.site.total_time().as_secs_f64());
        report = Some(r);
    }
    let report = report.expect("built");
    let full_rebuild = full[1].min(full[2]);
    // serve makes the repository from the collection the build loaded.
    let collection =
        vindplaats::model::Collection::load(site_path, &vindplaats::model::LoadOptions::default())
            .expect("loads");
    let started = Instant::now();
    let key = vindplaats::publish::oai::token::TokenKey::random();
    let repository = vindplaats::publish::oai::Repository::from_collection(
        &collection,
        "http://127.0.0.1/oai",
        key,
    );
    let oai_build = started.elapsed().as_secs_f64();
    let records = repository.records.len();
    println!(
        "whole build (site + API, feeds, citations, podcast feeds): first {:.3} s, rebuild {full_rebuild:.3} s; making them took {:.3} s; {} API files, {} feeds, {} citation files",
        full[0],
        report.publish.time.as_secs_f64(),
        report.publish.api_files,
        report.publish.feeds,
        report.publish.citations,
    );
    println!(
        "  added to the site's rebuild ({site_rebuild:.3} s): {:.0}% with the OAI-PMH repository's build ({oai_build:.3} s, {records} records)",
        100.0 * (full_rebuild + oai_build - site_rebuild) / site_rebuild
    );
    sickle_harvest(repository, records);
}

/// Serves `repository` at /oai on loopback and harvests it whole with
/// Sickle (tests/oai/sickle_harvest.py), if Sickle is installed.
fn sickle_harvest(repository: vindplaats::publish::oai::Repository, records: usize) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python_path = root.join("target/python");
    let has_sickle = Command::new("python3")
        .env("PYTHONPATH", &python_path)
        .args(["-c", "import sickle"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_sickle {
        println!("OAI-PMH harvest: not measured (python3 -m pip install --target target/python sickle==0.7.0)");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let shared = std::sync::Arc::new(std::sync::RwLock::new(std::sync::Arc::new(repository)));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    let app = vindplaats::serve::oai::router(shared);
    runtime.spawn(async move { axum::serve(listener, app).await });
    let out = Command::new("python3")
        .env("PYTHONPATH", &python_path)
        .arg(root.join("tests/oai/sickle_harvest.py"))
        .arg(format!("http://{addr}/oai"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let harvested = result["records"].as_array().map_or(0, Vec::len);
    let seconds = result["seconds"].as_f64().unwrap_or(f64::NAN);
    assert_eq!(harvested, records, "Sickle harvested every record");
    println!(
        "OAI-PMH: a full Sickle ListRecords harvest of {harvested} records in {seconds:.2} s: {:.0} records/s",
        harvested as f64 / seconds
    );
}

/// The shipped site (config, theme, content) plus `size` publications.
fn generate(dir: &Path, size: usize) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("config.toml"), dir.join("config.toml")).expect("config");
    copy_tree(&root.join("content"), &dir.join("content"));
    copy_tree(&root.join("themes"), &dir.join("themes"));

    let config: toml::Table = std::fs::read_to_string(root.join("config.toml"))
        .expect("config")
        .parse()
        .expect("toml");
    let extra = config["extra"].as_table().expect("extra");
    let mut lines: Vec<(String, String)> = Vec::new();
    for theme in extra["themas"].as_array().expect("themas") {
        let name = theme["naam"].as_str().expect("naam").to_string();
        for line in theme["programmalijnen"].as_array().expect("lijnen") {
            lines.push((name.clone(), line.as_str().expect("lijn").to_string()));
        }
    }
    let types: Vec<String> = extra["types"]
        .as_table()
        .expect("types")
        .keys()
        .cloned()
        .collect();
    let partners: Vec<String> = walkdir::WalkDir::new(root.join("content/partners"))
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|t| {
            t.lines()
                .find(|l| l.starts_with("name = "))
                .map(|l| l[7..].trim_matches('"').to_string())
        })
        .collect();

    let out = dir.join("content/publicaties");
    let mut seed: u64 = 42;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for n in 0..size {
        let (theme, line) = &lines[next() as usize % lines.len()];
        let kind = &types[next() as usize % types.len()];
        let partner = &partners[next() as usize % partners.len()];
        let year = 2015 + (next() % 11) as i32;
        let month = 1 + next() % 12;
        let day = 1 + next() % 28;
        let title: Vec<&str> = (0..6)
            .map(|_| WORDS[next() as usize % WORDS.len()])
            .collect();
        let body: Vec<&str> = (0..180)
            .map(|_| WORDS[next() as usize % WORDS.len()])
            .collect();
        let text = format!(
            "+++\ntitle = \"{} {n}\"\ndescription = \"{}\"\ndate = {year}-{month:02}-{day:02}\n\n[taxonomies]\nthema = [\"{theme}\"]\nprogrammalijn = [\"{line}\"]\ntype = [\"{kind}\"]\npartner = [\"{partner}\"]\njaar = [\"{year}\"]\n\n[extra]\nstatus = \"published\"\nscholarly = {}\n+++\n\n## Samenvatting\n\n{}.\n\n## Aanpak\n\n{}.\n",
            title.join(" "),
            body[..20].join(" "),
            kind == "rapport",
            body[..90].join(" "),
            body[90..].join(" "),
        );
        std::fs::write(out.join(format!("synth-{n:05}.md")), text).expect("write");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
