//! What one spark-submit costs the provisioner's host in YARN cluster mode,
//! alone and N at once: resident memory of its whole process tree, CPU,
//! and the time until YARN has the application. Driven by
//! `scripts/bench-spark-submit.sh`, which prepares the cluster.
//!
//! The commands are the launcher's own: [`SparkSubmitCommand::build`] for
//! the configuration below and [`SparkSubmitCommand::to_command`] to spawn
//! them (own process group, the launcher's environment). All N are started
//! together, as a burst of fires does under `scheduler.max_concurrent_submits`.
//! Every 50 ms every process's parent is read (`/proc/<pid>/stat`), and for
//! the processes of the submits' trees `/proc/<pid>/status` (`VmRSS`),
//! `smaps_rollup` (`Pss`: shared pages such as libjvm.so divided among
//! their users) and their CPU ticks; each submit's tree is its
//! spark-submit and all its descendants (`spark-class`, the launcher JVM
//! building the command, the `SparkSubmit` JVM, what it runs); a child
//! still running its parent's program (a fork before its exec: Java starts
//! `rm` from its shutdown hook that way) shares its parent's pages and
//! counts nothing.
//!
//! ```text
//! bench_spark_submit --spark-home DIR --conf-dir DIR --rm URL --jar URI \
//!     [--archive URI] [--class cdptest.spark.Sleep] [--n 1] [--jvm-opts "…"] [--label L]
//! ```
//!
//! `--jvm-opts` is `launcher.submit_jvm_opts` (`default`: the launcher's
//! default; `none`: no options, Spark's own defaults). The
//! applications are killed through the ResourceManager at the end. Prints
//! one line per submit, then `summary …`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cdp_spark_domain::descriptor::PositiveCount;
use cdp_spark_domain::model::{JobKey, SparkJobSpec};
use cdp_spark_domain::ports::LaunchRequest;
use cdp_spark_launcher::{
    ClusterMode, LauncherConfig, SparkSubmitCommand, YarnConfig, YarnRmClient,
};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Per submit: the application id it printed and when.
type IdsPrinted = Arc<Mutex<Vec<Option<(String, Duration)>>>>;

/// Linux's clock ticks per second for `/proc/<pid>/stat` (`USER_HZ`).
const TICKS_PER_SECOND: f64 = 100.0;

struct Args {
    spark_home: PathBuf,
    conf_dir: PathBuf,
    rm: String,
    jar: String,
    archive: Option<String>,
    class: String,
    n: usize,
    jvm_opts: Option<String>,
    label: String,
}

fn parse_args() -> Result<Args, String> {
    let mut map: HashMap<String, String> = HashMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let Some(name) = flag.strip_prefix("--") else {
            return Err(format!("unexpected argument {flag}"));
        };
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        map.insert(name.to_string(), value);
    }
    let need = |k: &str| map.get(k).cloned().ok_or(format!("--{k} is required"));
    Ok(Args {
        spark_home: PathBuf::from(need("spark-home")?),
        conf_dir: PathBuf::from(need("conf-dir")?),
        rm: need("rm")?,
        jar: need("jar")?,
        archive: map.get("archive").cloned(),
        class: map
            .get("class")
            .cloned()
            .unwrap_or_else(|| "cdptest.spark.Sleep".into()),
        n: map
            .get("n")
            .map(|n| n.parse().map_err(|e| format!("--n {n}: {e}")))
            .transpose()?
            .unwrap_or(1),
        jvm_opts: map.get("jvm-opts").cloned(),
        label: map
            .get("label")
            .cloned()
            .unwrap_or_else(|| "default".into()),
    })
}

/// One process of a submit's tree, as `/proc` shows it.
struct Proc {
    name: String,
    /// The program (`/proc/<pid>/exe`).
    exe: Option<PathBuf>,
    ppid: u32,
    rss_kb: u64,
    /// Proportional set size: shared pages (libjvm.so, Spark's jars, a
    /// class data archive) divided among the processes mapping them.
    pss_kb: u64,
    cpu_ticks: u64,
}

/// Every process's parent (`/proc/<pid>/stat`), to find the trees; the
/// costlier reads are left to [`read_proc`], for the trees' processes only.
fn parents() -> HashMap<u32, u32> {
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let ppid = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|stat| {
                stat.rsplit_once(')')?
                    .1
                    .split_whitespace()
                    .nth(1)?
                    .parse()
                    .ok()
            });
        if let Some(ppid) = ppid {
            out.insert(pid, ppid);
        }
    }
    out
}

/// `/proc/<pid>/{status,stat,smaps_rollup,exe}`; `None` once it is gone.
fn read_proc(pid: u32) -> Option<Proc> {
    let dir = PathBuf::from(format!("/proc/{pid}"));
    let status = std::fs::read_to_string(dir.join("status")).ok()?;
    let kb = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    // utime and stime: fields 14 and 15 of stat, 12 and 13 after "(comm)".
    let cpu_ticks = std::fs::read_to_string(dir.join("stat"))
        .ok()
        .and_then(|stat| {
            let f: Vec<u64> = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|v| v.parse().ok())
                .collect();
            Some(f.iter().sum())
        })
        .unwrap_or(0);
    Some(Proc {
        name: status
            .lines()
            .find_map(|l| l.strip_prefix("Name:"))
            .unwrap_or_default()
            .trim()
            .to_string(),
        exe: std::fs::read_link(dir.join("exe")).ok(),
        ppid: u32::try_from(kb(&status, "PPid:")?).unwrap_or(0),
        rss_kb: kb(&status, "VmRSS:").unwrap_or(0),
        pss_kb: std::fs::read_to_string(dir.join("smaps_rollup"))
            .ok()
            .and_then(|t| kb(&t, "Pss:"))
            .unwrap_or(0),
        cpu_ticks,
    })
}

/// The resident memory of `pid` that is its own: none for a child still
/// running its parent's program (a fork that has not exec'd yet: Java's
/// process launch, shown under the forking thread's name, or a bash
/// subshell), whose pages are its parent's.
fn own_rss_kb(procs: &HashMap<u32, Proc>, pid: u32) -> u64 {
    if is_unexeced_fork(procs, pid) {
        0
    } else {
        procs[&pid].rss_kb
    }
}

/// [`own_rss_kb`] in proportional set size.
fn own_pss_kb(procs: &HashMap<u32, Proc>, pid: u32) -> u64 {
    if is_unexeced_fork(procs, pid) {
        0
    } else {
        procs[&pid].pss_kb
    }
}

fn is_unexeced_fork(procs: &HashMap<u32, Proc>, pid: u32) -> bool {
    let p = &procs[&pid];
    let parent_exe = procs.get(&p.ppid).and_then(|pp| pp.exe.as_ref());
    p.exe.is_some() && p.exe.as_ref() == parent_exe
}

/// `root` and its descendants that are still there.
fn tree(parents: &HashMap<u32, u32>, root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, ppid) in parents {
        children.entry(*ppid).or_default().push(*pid);
    }
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        if parents.contains_key(&pid) {
            out.push(pid);
        }
        if let Some(c) = children.get(&pid) {
            stack.extend(c);
        }
    }
    out
}

#[derive(Default)]
struct Sampled {
    /// Per submit: its tree at its peak, `name:pid:MB` each.
    peak_tree: Vec<String>,
    /// Per submit: the peak of its tree's RSS (kB).
    peak_kb: Vec<u64>,
    /// The peak of all trees' RSS together (kB).
    peak_sum_kb: u64,
    /// The peak of all trees' PSS together (kB): what the host really
    /// gave them at once.
    peak_sum_pss_kb: u64,
    /// Per submit: the last CPU ticks seen of each process of its tree.
    cpu: Vec<BTreeMap<u32, u64>>,
}

fn percentile(sorted: &[u128], p: f64) -> u128 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_spark_submit: {e}");
            return ExitCode::from(2);
        }
    };
    let mut config = LauncherConfig {
        mode: ClusterMode::Yarn,
        spark_home: Some(args.spark_home.clone()),
        hadoop_conf_dir: Some(args.conf_dir.clone()),
        yarn_conf_dir: Some(args.conf_dir.clone()),
        yarn_archive: args.archive.clone(),
        yarn: YarnConfig {
            resource_managers: vec![args.rm.clone()],
            ..YarnConfig::default()
        },
        ..LauncherConfig::default()
    };
    match args.jvm_opts.as_deref() {
        None | Some("default") => {}
        Some("none") => config.submit_jvm_opts = String::new(),
        Some(opts) => config.submit_jvm_opts = opts.to_string(),
    }
    if let Err(issues) = config.validate() {
        eprintln!("bench_spark_submit: {}", issues.messages().join("; "));
        return ExitCode::from(2);
    }
    let stamp = chrono::Utc::now().format("%H%M%S");
    let commands: Vec<SparkSubmitCommand> = (0..args.n)
        .map(|i| {
            let request = LaunchRequest {
                run_id: format!("bench-{}-{stamp}-{i}", args.label),
                job_key: JobKey::new("bench", "spark-submit"),
                app_name: format!("bench-spark-submit-{}-{i}", args.label),
                spec: SparkJobSpec {
                    args: vec!["600".into()],
                    driver_memory: Some("512m".parse().expect("memory")),
                    executor_memory: Some("512m".parse().expect("memory")),
                    num_executors: PositiveCount::new(1),
                    ..SparkJobSpec::new(
                        args.jar.parse().expect("jar"),
                        args.class.parse().expect("class name"),
                    )
                },
                scheduled_fire_time: chrono::Utc::now(),
            };
            SparkSubmitCommand::build(&config, &request)
        })
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("the launcher cannot build the command: {e}"));
    if let Some(first) = commands.first() {
        let opts = first
            .env
            .iter()
            .find(|(k, _)| k == "SPARK_SUBMIT_OPTS")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        eprintln!(
            "bench_spark_submit: SPARK_SUBMIT_OPTS='{opts}' {}",
            first.display()
        );
    }

    // Start all N together.
    let start = Instant::now();
    let mut children = Vec::new();
    let id_at: IdsPrinted = Arc::new(Mutex::new(vec![None; args.n]));
    let mut readers = Vec::new();
    for (i, cmd) in commands.iter().enumerate() {
        let mut child = cmd
            .to_command()
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let id_at = id_at.clone();
            readers.push(tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    // YarnClientImpl: the RM has accepted the application.
                    if let Some(rest) = line.split("Submitted application ").nth(1) {
                        let id: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        let mut guard = id_at.lock().unwrap_or_else(|p| p.into_inner());
                        guard[i].get_or_insert((id, start.elapsed()));
                    }
                }
            }));
        }
        children.push(child);
    }
    let roots: Vec<u32> = children.iter().filter_map(|c| c.id()).collect();
    assert_eq!(roots.len(), args.n, "every spark-submit has a pid");

    let sampled = Arc::new(Mutex::new(Sampled {
        peak_kb: vec![0; args.n],
        peak_tree: vec![String::new(); args.n],
        peak_sum_kb: 0,
        peak_sum_pss_kb: 0,
        cpu: vec![BTreeMap::new(); args.n],
    }));
    let sampler = {
        let sampled = sampled.clone();
        let roots = roots.clone();
        tokio::task::spawn_blocking(move || loop {
            let parents = parents();
            let trees: Vec<Vec<u32>> = roots.iter().map(|r| tree(&parents, *r)).collect();
            let procs: HashMap<u32, Proc> = trees
                .iter()
                .flatten()
                .filter_map(|pid| read_proc(*pid).map(|p| (*pid, p)))
                .collect();
            let mut sum = 0;
            let mut sum_pss = 0;
            let alive = trees.iter().any(|t| !t.is_empty());
            let mut s = sampled.lock().unwrap_or_else(|p| p.into_inner());
            for (i, pids) in trees.iter().enumerate() {
                let pids: Vec<u32> = pids
                    .iter()
                    .copied()
                    .filter(|p| procs.contains_key(p))
                    .collect();
                let rss: u64 = pids.iter().map(|p| own_rss_kb(&procs, *p)).sum();
                sum += rss;
                sum_pss += pids.iter().map(|p| own_pss_kb(&procs, *p)).sum::<u64>();
                if rss > s.peak_kb[i] {
                    s.peak_kb[i] = rss;
                    s.peak_tree[i] = pids
                        .iter()
                        .map(|p| format!("{}:{p}:{}", procs[p].name, own_rss_kb(&procs, *p) / 1024))
                        .collect::<Vec<_>>()
                        .join(",");
                }
                for p in pids {
                    s.cpu[i].insert(p, procs[&p].cpu_ticks);
                }
            }
            s.peak_sum_kb = s.peak_sum_kb.max(sum);
            s.peak_sum_pss_kb = s.peak_sum_pss_kb.max(sum_pss);
            drop(s);
            if !alive {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        })
    };
    let mut exits = Vec::new();
    for child in &mut children {
        let status = child.wait().await.unwrap_or_else(|e| panic!("wait: {e}"));
        exits.push((status, start.elapsed()));
    }
    let _ = sampler.await;
    for r in readers {
        let _ = r.await;
    }

    let ids = id_at.lock().unwrap_or_else(|p| p.into_inner()).clone();
    // The sampler has ended: take what it saw.
    let s = std::mem::take(&mut *sampled.lock().unwrap_or_else(|p| p.into_inner()));
    let mut ok = 0;
    let mut to_id = Vec::new();
    let mut to_exit = Vec::new();
    let mut cpu_total = 0.0;
    for i in 0..args.n {
        let (status, exited) = &exits[i];
        let cpu = s.cpu[i].values().sum::<u64>() as f64 / TICKS_PER_SECOND;
        cpu_total += cpu;
        let (app, id_ms) = match &ids[i] {
            Some((id, at)) => (id.as_str(), at.as_millis()),
            None => ("-", 0),
        };
        if status.success() && ids[i].is_some() {
            ok += 1;
            to_id.push(id_ms);
        }
        to_exit.push(exited.as_millis());
        println!(
            "submit label={} i={i} app={app} to_id_ms={id_ms} to_exit_ms={} peak_rss_mb={:.0} cpu_s={cpu:.1} exit={} peak_tree={}",
            args.label,
            exited.as_millis(),
            s.peak_kb[i] as f64 / 1024.0,
            status.code().map_or("signal".to_string(), |c| c.to_string()),
            s.peak_tree[i],
        );
    }
    to_id.sort_unstable();
    to_exit.sort_unstable();
    let sum_of_peaks: u64 = s.peak_kb.iter().sum();
    let max_peak = s.peak_kb.iter().copied().max().unwrap_or(0);
    println!(
        "summary label={} n={} ok={ok} to_id_ms_p50={} to_id_ms_max={} to_exit_ms_max={} peak_rss_mb_max={:.0} sum_of_peaks_mb={:.0} peak_of_sum_mb={:.0} peak_of_sum_pss_mb={:.0} cpu_s_per_submit={:.1}",
        args.label,
        args.n,
        percentile(&to_id, 50.0),
        to_id.last().copied().unwrap_or(0),
        to_exit.last().copied().unwrap_or(0),
        max_peak as f64 / 1024.0,
        sum_of_peaks as f64 / 1024.0,
        s.peak_sum_kb as f64 / 1024.0,
        s.peak_sum_pss_kb as f64 / 1024.0,
        cpu_total / args.n as f64,
    );

    // The applications are not the point: kill them.
    let client = YarnRmClient::from_config(&config).unwrap_or_else(|e| panic!("RM client: {e}"));
    for (id, _) in ids.iter().flatten() {
        if let Err(e) = client.kill(id).await {
            eprintln!("bench_spark_submit: killing {id}: {e}");
        }
    }
    if ok == args.n {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
