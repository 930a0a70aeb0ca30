// Builds the benchmark's table from one run's JSON files (written by tests/bench/run
// and wrk/common.lua), prints it, writes RUN_DIR/summary.json and results/latest.json,
// and (full runs) BENCHMARKS.md; growth runs (run --growth) write only the section
// "## How cost grows: database size" of BENCHMARKS.md, proxy runs (run --proxy) only
// "## Behind nginx with TLS, two replicas" (a full run keeps both).
// Usage: node report.mjs RUN_DIR quick|full|growth|proxy BENCHMARKS_MD|- SETTINGS
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { basename, dirname, join } from 'node:path';

const [runDir, mode, mdPath, settings] = process.argv.slice(2);
const GROWTH_HEADING = '## How cost grows: database size';
const PROXY_HEADING = '## Behind nginx with TLS, two replicas';
// replaceSection(md, heading, text): text in place of the section starting with heading
// (up to the next "## "), or before "## Micro-benchmarks", or at the end.
function replaceSection(md, heading, text) {
  const esc = heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = md.search(new RegExp(`^${esc}[ \t]*$`, 'm'));
  if (start >= 0) {
    const rest = md.slice(start + 1);
    const next = rest.search(/^## /m);
    return md.slice(0, start) + text + (next >= 0 ? `\n${rest.slice(next)}` : '');
  }
  const micro = md.search(/^## Micro-benchmarks[ \t]*$/m);
  if (micro >= 0) return `${md.slice(0, micro)}${text}\n${md.slice(micro)}`;
  return `${md.replace(/\n*$/, '\n\n')}${text}`;
}
function sectionOf(md, heading) {
  const lines = md.split('\n');
  const i = lines.findIndex((l) => l.trim() === heading);
  if (i < 0) return null;
  let j = i + 1;
  while (j < lines.length && !lines[j].startsWith('## ')) j++;
  return `${lines.slice(i, j).join('\n').replace(/\n*$/, '')}\n`;
}
const load = (name) => {
  const f = join(runDir, `${name}.json`);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
};
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return '?';
  }
};

const cpuModel = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) || [])[1] || '?';
const machine = {
  date: new Date().toISOString(),
  nproc: Number(sh('nproc', [])),
  cpu_model: cpuModel,
  kernel: release(),
  openssl: sh('openssl', ['version']),
  node: process.version,
  wrk: sh('sh', ['-c', 'wrk -v 2>&1 | head -1']).split(' [')[0],
  postgresql: sh('/usr/lib/postgresql/15/bin/postgres', ['--version']),
  cpus_seen_by_node: cpus().length,
  loadavg_at_report: readFileSync('/proc/loadavg', 'utf8').trim(),
};
const openssl = load('openssl') || {};

const errors = (r) =>
  r ? r.failures + r.socket_errors.connect + r.socket_errors.read + r.socket_errors.write + r.socket_errors.timeout : null;
const f1 = (x) => (x == null ? '–' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const ms = (x) => (x == null ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const mib = (kb) => (kb == null ? '–' : `${(kb / 1024).toFixed(1)} MiB`);
const lat = (r) => (r ? `${ms(r.p50_ms)} / ${ms(r.p99_ms)}` : '–');

const ops = [];
function op(key, label, peerName, target) {
  const s = load(`${key}.signet`);
  const p = load(`${key}.peer`);
  const row = {
    key,
    operation: label,
    peer: peerName,
    signet: s,
    peer_result: p,
    ratio: s && p ? s.rps / p.rps : null,
    errors: { signet: errors(s), peer: errors(p) },
  };
  if (target) Object.assign(row, target(row, s, p));
  ops.push(row);
  return row;
}
const verdict = (ok) => (ok == null ? 'n/a' : ok ? 'met' : 'MISSED');

// --- Growth runs: only their section of BENCHMARKS.md ------------------------------
if (mode === 'growth') {
  const seedS = load('seed.small');
  const seedB = load('seed.big');
  const sp = load('growth-small-peak.signet');
  const bp = load('growth-big-peak.signet');
  const sq = load('growth-small-paced.signet');
  const bq = load('growth-big-paced.signet');
  const reap = load('growth-reap-paced.signet');
  const n = (x) => (x == null ? '?' : Number(x).toLocaleString('en-US'));
  const ratio = sq && bq ? bq.p99_ms / sq.p99_ms : null;
  const growth = {
    mode, machine, settings, seed: { small: seedS, big: seedB },
    refresh: { small_peak: sp, big_peak: bp, small_paced: sq, big_paced: bq, during_reaper: reap },
    target: { what: 'refresh-grant p99 (paced) at the large size ≤ 1.5× at the small size', ratio, met: ratio == null ? null : ratio <= 1.5 },
  };
  writeFileSync(join(runDir, 'summary.json'), `${JSON.stringify(growth, null, 2)}\n`);
  copyFileSync(join(runDir, 'summary.json'), join(dirname(runDir), 'latest-growth.json'));
  const row = (label, seed, r) =>
    `| ${label} | ${n(seed?.users)} | ${n(seed?.consents)} | ${n(seed?.refresh_tokens)} | ${seed ? `${(seed.db_bytes / 2 ** 30).toFixed(2)} GiB` : '?'} | ${f1(r?.rps)} | ${lat(r)} | ${errors(r) ?? '–'} |`;
  const pacedRate = sq?.pace_ms != null ? Math.round(sq.rps) : '?';
  const text = `${GROWTH_HEADING}

Measured by \`tests/bench/run --growth\` on ${machine.date.slice(0, 10)} (load average at the end: ${machine.loadavg_at_report.split(' ').slice(0, 3).join(' ')}; ${settings}).
Signet and PostgreSQL on core ${settings.match(/SERVER_CPU=(\S+)/)?.[1] ?? 0}, wrk on the other core. The database is grown by
\`tests/bench/seed_growth.sql\` (users with one consent for each of 3 clients; refresh-token families of 10 tokens, 9
used and 1 live, digests = base64 SHA-256 of numbered strings): first to the small size (seeding took ${seedS?.seconds ?? '?'} s),
then to the large one (${seedB?.seconds ?? '?'} s, indexes rebuilt, \`VACUUM ANALYZE\`). The refresh grant uses the benchmark's own
pool of refresh tokens (minted through the real flow, each used once, rotated).

| Database | users | consents | refresh tokens | size | refresh req/s (peak) | p50 / p99 ms (peak) | errors |
|---|--:|--:|--:|--:|--:|--:|--:|
${row('small', seedS, sp)}
${row('large', seedB, bp)}

| Refresh grant paced at ~${pacedRate} req/s | p50 / p99 ms | max ms | Target | Result |
|---|--:|--:|---|---|
| small database | ${lat(sq)} | ${ms(sq?.max_ms)} | | |
| large database | ${lat(bq)} | ${ms(bq?.max_ms)} | p99 ≤ 1.5× small | **${verdict(growth.target.met)}**: ${ratio == null ? '?' : `${ratio.toFixed(2)}×`} |
| large database, reaper running (${reap ? reap.duration_s.toFixed(0) : '?'} s run) | ${lat(reap)} | ${ms(reap?.max_ms)} | no pause | expired families ${n(reap?.expired_families_before)} → ${n(reap?.expired_families_after)}, reaper log lines ${reap?.reaper_passes_logged ?? '?'} |

The reaper (a thread in \`signet serve\`, every 60 s, 10,000 expired families per pass with their tokens by
\`ON DELETE CASCADE\`) runs off the request path. \`seed_growth.sql\` adds families whose absolute expiry is an hour past;
signet is restarted right before the last run, so its first pass falls ${reap && reap.duration_s > 60 ? 'inside the run' : 'after the run if the run was shorter than 60 s'}.
${reap && reap.expired_families_before === reap.expired_families_after ? '**The reaper was not observed during the run** (no expired family deleted).' : 'The row shows the latency of refresh requests while it deleted them (wrk reports the whole run\'s percentiles, not per second).'}
`;
  if (mdPath && mdPath !== '-') {
    const md = existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '# Benchmarks\n';
    writeFileSync(mdPath, replaceSection(md, GROWTH_HEADING, text));
    process.stdout.write(`Wrote the growth section of ${mdPath}\n`);
  }
  process.stdout.write(`\n${text}\n`);
  process.exit(0);
}

// --- Proxy runs (run --proxy): only their section of BENCHMARKS.md -----------------
if (mode === 'proxy') {
  const rounds = Number(settings.match(/ROUNDS=(\d+)/)?.[1] ?? 1);
  const median = (xs) => {
    const v = xs.filter((x) => x != null).sort((a, b) => a - b);
    if (!v.length) return null;
    const m = Math.floor(v.length / 2);
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  const setups = [
    ['direct', 'one replica, plain HTTP, no proxy'],
    ['proxy', 'nginx + TLS, two replicas'],
  ];
  const opsP = [
    ['cc', 'client-credentials grant (POST /token)', ['signet_a', 'signet_b'], 'Signet'],
    ['rs', 'protected request: bank-api GET /transactions (PostgreSQL read), distinct tokens', ['bank_a', 'bank_b'], 'bank-api'],
  ];
  const perReq = (runs, f) => median(runs.map((r) => (r?.cpu_s ? (f(r.cpu_s) * 1e6) / r.requests : null)));
  const results = {};
  for (const [op] of opsP) {
    for (const [setup] of setups) {
      const runs = Array.from({ length: rounds }, (_, i) => load(`${op}.${setup}.r${i + 1}`));
      results[`${op}.${setup}`] = {
        runs,
        rps: median(runs.map((r) => r?.rps)),
        p50_ms: median(runs.map((r) => r?.p50_ms)),
        p99_ms: median(runs.map((r) => r?.p99_ms)),
        errors: runs.reduce((n, r) => n + (errors(r) ?? 0), 0),
        other_jobs_pct: median(runs.map((r) => {
          if (!r?.cpu_s) return null;
          const { server_core_busy: busy, load_core_busy: _, ...procs } = r.cpu_s;
          return Math.max(0, ((busy - Object.values(procs).reduce((a, b) => a + b, 0)) / r.duration_s) * 100);
        })),
      };
    }
  }
  const summaryP = { mode, machine, settings, results };
  const rows = [];
  for (const [op, label, replicas, server] of opsP) {
    for (const [setup, setupLabel] of setups) {
      const x = results[`${op}.${setup}`];
      const server_us = perReq(x.runs, (c) => replicas.reduce((t, k) => t + (setup === 'direct' ? (k.endsWith('_a') ? c[k] : 0) : c[k]), 0));
      const split = setup === 'proxy'
        ? median(x.runs.map((r) => (r?.cpu_s ? r.cpu_s[replicas[0]] / (r.cpu_s[replicas[0]] + r.cpu_s[replicas[1]]) : null)))
        : null;
      // Every server process on the core (the idle ones' few ticks included).
      x.total_us = perReq(x.runs, (c) => Object.entries(c).reduce((t, [k, v]) => t + (k.endsWith('_core_busy') ? 0 : v), 0));
      x.load_core_pct = median(x.runs.map((r) => (r?.cpu_s?.load_core_busy == null ? null : Math.min(100, (r.cpu_s.load_core_busy / r.duration_s) * 100))));
      rows.push(`| ${label} | ${setupLabel} | ${f1(x.rps)} | ${ms(x.p50_ms)} / ${ms(x.p99_ms)} | ${x.runs.map((r) => `${f1(r?.rps)} (${ms(r?.p99_ms)})`).join(', ')} | ${x.errors} | ${setup === 'proxy' ? Math.round(perReq(x.runs, (c) => c.nginx)) : '–'} | ${server_us == null ? '–' : Math.round(server_us)}${split == null ? '' : ` (${Math.round(split * 100)}% / ${Math.round((1 - split) * 100)}%)`} | ${Math.round(perReq(x.runs, (c) => c.postgresql) ?? 0)} | ${x.total_us == null ? '–' : Math.round(x.total_us)} | ${x.other_jobs_pct == null ? '–' : `${x.other_jobs_pct.toFixed(0)}%`} | ${x.load_core_pct == null ? '–' : `${x.load_core_pct.toFixed(0)}%`} |`);
    }
    const d = results[`${op}.direct`];
    const p = results[`${op}.proxy`];
    results[`${op}.ratio`] = {
      rps: d.rps && p.rps ? p.rps / d.rps : null,
      p99: d.p99_ms && p.p99_ms ? p.p99_ms / d.p99_ms : null,
      // Requests one core can serve, from CPU per request: direct µs ÷ proxy µs.
      cpu_capacity: d.total_us && p.total_us ? d.total_us / p.total_us : null,
    };
    const q = results[`${op}.ratio`];
    const x2 = (v) => (v == null ? '?' : `${v.toFixed(2)}×`);
    rows.push(`| | **through nginx ÷ direct** | **${x2(q.rps)}** | p99 **${x2(q.p99)}** | | | | | | per core: **${x2(q.cpu_capacity)}** | | |`);
  }
  writeFileSync(join(runDir, 'summary.json'), `${JSON.stringify(summaryP, null, 2)}\n`);
  copyFileSync(join(runDir, 'summary.json'), join(dirname(runDir), 'latest-proxy.json'));
  // The failover figures are measured by deploy/ha/failover and kept in README.
  const readme = (() => {
    try {
      return readFileSync(join(dirname(new URL(import.meta.url).pathname), '../../README.md'), 'utf8').replace(/\s+/g, ' ');
    } catch {
      return '';
    }
  })();
  const window = readme.match(/error window \(first to last failed request of any kind\) was \*\*([^*]+)\*\*/)?.[1];
  const readyz = readme.match(/`\/readyz` of both replicas was back in \*\*([^*]+)\*\*/)?.[1];
  const again = readme.match(/protected requests succeeded again \*\*([^*]+)\*\*/)?.[1];
  const failover = window
    ? `The failover test (\`deploy/ha/failover\`: nginx with TLS in front of two replicas, the PostgreSQL primary killed under load and
its synchronous standby promoted 2 s later) reports an error window of **${window}**, both replicas' \`/readyz\` back in
**${readyz ?? '?'}**, and refresh, client-credentials and protected requests succeeding again **${again ?? '?'}** after the kill;
how they are measured, the freeze run and the negative control: [README, PostgreSQL failover](README.md#postgresql-failover).`
    : 'The failover test\'s error window and recovery times: [README, PostgreSQL failover](README.md#postgresql-failover).';
  const text = `${PROXY_HEADING}

Measured by \`tests/bench/run --proxy\` (\`tests/bench/proxy\`) on ${machine.date.slice(0, 10)}; regenerate with the same command
(\`tests/bench/run --proxy --quick\` is the CI smoke run and does not touch this file). Machine: ${machine.cpu_model}, \`nproc\` = ${machine.nproc},
${machine.openssl}, nginx ${sh('sh', ['-c', 'nginx -v 2>&1']).replace(/^nginx version: nginx\//, '')}, ${machine.wrk}; shared with other builds (load average at the
end: ${machine.loadavg_at_report.split(' ').slice(0, 3).join(' ')}). Settings: ${settings}.

**What this measures.** One machine, two cores: the two Signet replicas (and the two bank-api replicas) share
one core with nginx's single worker and PostgreSQL, and wrk has the other, as in the main table. So the rows
through nginx show **what nginx and TLS cost** on the same CPU budget, not horizontal scale: on one core a
second replica adds no capacity (it would on its own machine). Set-ups: *one replica, plain HTTP, no proxy* is
wrk straight to Signet replica A (or bank-api replica A); *nginx + TLS, two replicas* is wrk over https (TLS 1.3,
keep-alive connections to nginx; nginx closes a connection after 1,000 requests, so wrk makes a new TLS
handshake now and then) to \`deploy/nginx/signet.conf.template\` as deployed (certificate from a CA made for the
run, as in \`deploy/nginx/check\`), which alternates between replicas A and B over its kept-alive upstream
connections, and writes its access log (a line per request, as \`deploy/stack.sh\` sets it up); bank-api sits
behind a second server rendered from the same template on its own port. The same processes serve both set-ups
(the unused ones idle). ${rounds} round${rounds === 1 ? '' : 's'}; each round runs both set-ups (a
warm-up, then the measured run, for each operation), in alternating order from round to round; the table gives
the median of the rounds, and each round's req/s (p99 ms). The protected request cycles through the same
distinct tokens in both set-ups (more than bank-api's 4,096-entry verified-token cache; each replica keeps its own).

| Operation | Set-up | req/s (median) | p50 / p99 ms (median) | each round: req/s (p99 ms) | errors | nginx µs CPU per request | ${opsP.map(([, , , s]) => s).join(' / ')} µs CPU per request (replica A / B share) | PostgreSQL µs per request | all server processes µs per request | core ${settings.match(/SERVER_CPU=(\S+)/)?.[1] ?? 0} used by other jobs | core ${settings.match(/LOAD_CPU=(\S+)/)?.[1] ?? 1} (wrk's) busy |
|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|
${rows.join('\n')}

CPU per request is the processes' user + system time on the server core during the measured run (median of the
rounds) divided by its requests; "used by other jobs" is what other processes on this machine took of that core;
the last column is how busy wrk's core was, wrk and other jobs together (at 100% the load generator shares a
saturated core, and both set-ups' req/s understate the servers). When other jobs take a share of it that differs between the runs of a pair, req/s and p99 follow that share more
than the set-up (compare the rounds). It differs systematically, too: the scheduler splits a contended core
between runnable processes, and through nginx three busy server processes besides PostgreSQL (nginx, two
replicas) claim it against the other jobs where the direct set-up has one, so the proxy set-up gets more of the core and its
req/s is flattered. CPU per request does not depend on the share, so **per core** (direct ÷ through
nginx, of all server processes' µs per request) is this run's estimate of what one core serves through nginx and
TLS relative to without, when the core is the limit.

${failover}
`;
  if (mdPath && mdPath !== '-') {
    const md = existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '# Benchmarks\n';
    writeFileSync(mdPath, replaceSection(md, PROXY_HEADING, text));
    process.stdout.write(`Wrote the proxy section of ${mdPath}\n`);
  }
  process.stdout.write(`\n${text}\n`);
  const bad = Object.entries(results).filter(([k, v]) => !k.endsWith('.ratio') && v.errors > 0);
  if (bad.length) {
    process.stderr.write(`errors in ${bad.map(([k, v]) => `${k} (${v.errors})`).join(', ')}\n`);
    process.exit(1);
  }
  process.exit(0);
}

const sign = openssl.sign_per_s;
op('cc', 'client-credentials grant (POST /token)', 'oidc-provider', (row, s) => {
  const share = s && sign ? s.rps / sign : null;
  row.share_of_es256_sign = share;
  return {
    target: '≥ 8× peer; ≥ 40% of ES256 sign/s',
    met: row.ratio == null || share == null ? null : row.ratio >= 8 && share >= 0.4,
    detail: `${f1(row.ratio)}× peer; ${share == null ? '?' : (share * 100).toFixed(1)}% of ${f1(sign)} sign/s`,
  };
});
op('code', 'authorization-code exchange, peak (POST /token)', 'oidc-provider', (row) => ({
  target: '(peak rate; sets the paced rate below)',
  met: null,
  detail: `${f1(row.ratio)}× peer`,
}));
op('code-half', 'authorization-code exchange at ½ peak, paced', 'oidc-provider', (row, s) => ({
  target: 'Signet p99 ≤ 5 ms',
  met: s ? s.p99_ms <= 5 : null,
  detail: s ? `p99 ${ms(s.p99_ms)} ms at ${f1(s.rps)} req/s` : '',
}));
op('refresh', 'refresh-token grant with rotation (POST /token)', 'oidc-provider', (row) => ({
  target: '≥ 5× peer',
  met: row.ratio == null ? null : row.ratio >= 5,
  detail: `${f1(row.ratio)}× peer`,
}));
op('introspect', 'introspection of a live refresh token (POST /introspect)', 'oidc-provider', (row) => ({
  target: '≥ 5× peer',
  met: row.ratio == null ? null : row.ratio >= 5,
  detail: `${f1(row.ratio)}× peer`,
}));
op('introspect-at', 'introspection of an access token (JWT), distinct tokens', '(oidc-provider does not introspect JWT access tokens)', () => ({
  target: '(Signet only)',
  met: null,
  detail: '',
}));
op('verify', 'protected request, verification only: distinct tokens (403 scope path)', 'node:http + jose', (row) => ({
  target: '≥ 8× node+jose',
  met: row.ratio == null ? null : row.ratio >= 8,
  detail: `${f1(row.ratio)}× (every token verified)`,
}));
op('verify-same', 'protected request, verification only: one token repeated', 'node:http + jose', (row) => ({
  target: '≥ 8× node+jose',
  met: row.ratio == null ? null : row.ratio >= 8,
  detail: `${f1(row.ratio)}× (bank-api answers from its verified-token cache)`,
}));
op('transactions', 'bank-api GET /transactions (PostgreSQL read), distinct tokens', 'node:http + jose + pg', (row) => ({
  target: '≥ 2× node+jose+pg',
  met: row.ratio == null ? null : row.ratio >= 2,
  detail: `${f1(row.ratio)}×`,
}));
op('dpop', 'DPoP-bound protected request: distinct tokens, a fresh proof each (403 scope path: token and proof verified)', 'node:http + jose', (row) => ({
  target: '≥ 2× node+jose',
  met: row.ratio == null ? null : row.ratio >= 2,
  detail: `${f1(row.ratio)}× (two ES256 verifications per request)`,
}));
op('par', 'pushed authorization request, private_key_jwt (POST /par)', 'oidc-provider', (row) => ({
  target: '(no target)',
  met: null,
  detail: `${f1(row.ratio)}× peer`,
}));
op('code-fapi', 'code exchange of a pushed request, private_key_jwt + DPoP (POST /token)', 'oidc-provider', (row) => ({
  target: '(no target)',
  met: null,
  detail: `${f1(row.ratio)}× peer`,
}));
op('refresh-fapi', 'refresh grant of a FAPI client, private_key_jwt + DPoP (POST /token)', 'oidc-provider', (row, s, p) => ({
  target: '≥ 5× peer',
  met: row.ratio == null ? null : row.ratio >= 5,
  detail: `${f1(row.ratio)}× peer (Signet ${s?.rotates ? 'rotates' : 'does not rotate'}, peer ${p?.rotates ? 'rotates' : 'does not rotate'})`,
}));
op('login', 'password login (POST /login, Argon2id), Signet on 1 core', '(none: devInteractions has no password check)', (row, s) => ({
  target: '≥ 14 logins/s per core',
  met: s ? s.rps >= 14 : null,
  detail: s ? `${f1(s.rps)}/s` : '',
}));
const idle = load('token-idle.signet');
op('token-idle', 'client-credentials paced, server idle', '', () => ({ target: '(baseline)', met: null, detail: '' }));
op('token-during-login', 'client-credentials paced, during login saturation', '', (row, s) => ({
  target: 'p99 ≤ 2× idle p99',
  met: s && idle ? s.p99_ms <= 2 * idle.p99_ms && errors(s) === 0 : null,
  detail: s && idle ? `p99 ${ms(s.p99_ms)} ms vs idle ${ms(idle.p99_ms)} ms (${(s.p99_ms / idle.p99_ms).toFixed(1)}×)` : '',
}));

// Peak RSS: the largest VmHWM in the runs both authorization servers do (client
// credentials, code exchange); the login runs (Signet only) are reported apart.
const compared = ['cc', 'code', 'code-half', 'refresh', 'introspect'];
const rssOf = (proc, keys) =>
  ops
    .filter((o) => keys.includes(o.key))
    .flatMap((o) => [o.signet, o.peer_result])
    .filter((r) => r && r.process === proc)
    .reduce((m, r) => Math.max(m, r.rss_kb || 0), 0) || null;
const rss = {
  signet: rssOf('signet', compared),
  peer: rssOf('oidc-provider', compared),
  signet_with_logins: rssOf('signet', ops.map((o) => o.key)),
  bank_api: rssOf('bank-api', ops.map((o) => o.key)),
  node_jose: rssOf('node-jose', ops.map((o) => o.key)),
};
const rssRow = {
  operation: 'peak RSS, authorization server (token and code runs)',
  target: 'Signet ≤ ¼ of peer',
  met: rss.signet && rss.peer ? rss.signet <= rss.peer / 4 : null,
  detail: rss.signet && rss.peer
    ? `${(rss.peer / rss.signet).toFixed(1)}× smaller; with password logins Signet reaches ${mib(rss.signet_with_logins)}` +
      (rss.signet_with_logins > rss.peer / 4 ? ' (above ¼ of peer)' : '')
    : '',
};

// How cost grows with cores: signet restarted with 2 HTTP threads on core 0, and with
// the default (one HTTP thread per usable CPU: 2) on cores 0-1 (run's section 5); the
// main rows are the default on core 0 (1 HTTP thread).
const scaleOps = [
  ['cc', 'client-credentials grant'],
  ['introspect', 'refresh-token introspection'],
  ['refresh', 'refresh-token grant'],
];
const scaleCols = [
  ['main', (k) => load(`${k}.signet`), 'defaults (1 HTTP thread, 8 workers), core 0 (main rows)'],
  ['2t-core0', (k) => load(`scale-2t-core0-${k}.signet`), '2 HTTP threads, 8 workers, core 0'],
  ['auto-cores01', (k) => load(`scale-auto-cores01-${k}.signet`), 'defaults (2 HTTP threads, 8 workers), cores 0-1'],
];
const scaling = scaleOps.map(([k, label]) => ({
  key: k,
  operation: label,
  runs: Object.fromEntries(scaleCols.map(([c, get]) => [c, get(k)])),
}));
const haveScaling = scaling.some((r) => r.runs['2t-core0'] || r.runs['auto-cores01']);
const scalingTable = [
  `| Operation | ${scaleCols.map(([, , t]) => `${t}: req/s, p50 / p99 ms`).join(' | ')} | 2 cores vs 1 core |`,
  `|---|${scaleCols.map(() => '--:').join('|')}|--:|`,
  ...scaling.map((r) => {
    const a = r.runs.main;
    const b = r.runs['auto-cores01'];
    return `| ${r.operation} | ${scaleCols.map(([c]) => (r.runs[c] ? `${f1(r.runs[c].rps)}, ${lat(r.runs[c])}` : '–')).join(' | ')} | ${a && b ? `${(b.rps / a.rps).toFixed(2)}×` : '–'} |`;
  }),
].join('\n');

const cc = load('cc.signet');
const summary = {
  mode,
  machine,
  settings,
  openssl_speed_ecdsap256: openssl,
  signet_cc_share_of_es256_sign: cc && sign ? cc.rps / sign : null,
  clients_table_scans_per_cc_request: cc?.clients_table_scans_per_request ?? null,
  peak_rss_kb: rss,
  operations: ops,
  scaling,
  targets: [...ops.filter((o) => o.target && o.met !== undefined && !o.target.startsWith('(')), rssRow].map((o) => ({
    operation: o.operation,
    target: o.target,
    result: o.detail,
    met: o.met,
  })),
};
writeFileSync(join(runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
copyFileSync(join(runDir, 'summary.json'), join(dirname(runDir), 'latest.json'));

const lines = [];
lines.push('| Operation | Signet req/s | Peer req/s | Ratio | Signet p50 / p99 ms | Peer p50 / p99 ms | Signet peak RSS | Peer peak RSS | Errors S / P | Target | Result |');
lines.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|');
for (const o of ops) {
  const s = o.signet;
  const p = o.peer_result;
  lines.push(
    `| ${o.operation} | ${f1(s?.rps)} | ${f1(p?.rps)} | ${o.ratio == null ? '–' : `${o.ratio.toFixed(1)}×`} | ${lat(s)} | ${lat(p)} | ${mib(s?.rss_kb)} | ${mib(p?.rss_kb)} | ${o.errors.signet ?? '–'} / ${o.errors.peer ?? '–'} | ${o.target || ''} | ${o.met == null ? o.detail || '' : `**${verdict(o.met)}**: ${o.detail}`} |`,
  );
}
lines.push(`| ${rssRow.operation} | | | | | | ${mib(rss.signet)} | ${mib(rss.peer)} | | ${rssRow.target} | **${verdict(rssRow.met)}**: ${rssRow.detail} |`);
const table = lines.join('\n');

// CPU per request on the server core: the server process and PostgreSQL (all backends).
const us = (r, k) => (r?.cpu_s ? `${Math.round((r.cpu_s[k] * 1e6) / r.requests)}` : '–');
// Core 0 time used by anything else (other jobs on the machine) during the run.
const other = (r) => {
  if (!r?.cpu_s?.server_core_busy) return '–';
  const o = r.cpu_s.server_core_busy - r.cpu_s.server - r.cpu_s.postgresql;
  return `${Math.max(0, (o / r.duration_s) * 100).toFixed(0)}%`;
};
const cpuLines = [
  '| Operation | Signet/bank-api µs CPU per request | its PostgreSQL µs per request | core 0 used by other jobs | Peer µs CPU per request | its PostgreSQL µs per request | core 0 used by other jobs |',
  '|---|--:|--:|--:|--:|--:|--:|',
  ...ops
    .filter((o) => o.key !== 'token-during-login')
    .map((o) => `| ${o.operation} | ${us(o.signet, 'server')} | ${us(o.signet, 'postgresql')} | ${other(o.signet)} | ${us(o.peer_result, 'server')} | ${us(o.peer_result, 'postgresql')} | ${other(o.peer_result)} |`),
];
const cpuTable = cpuLines.join('\n');
const busiest = Math.max(0, ...ops.flatMap((o) => [o.signet, o.peer_result]).filter((r) => r?.cpu_s?.server_core_busy)
  .map((r) => ((r.cpu_s.server_core_busy - r.cpu_s.server - r.cpu_s.postgresql) / r.duration_s) * 100));
const noise = busiest > 10
  ? `**Caution:** other jobs on this machine used up to ${busiest.toFixed(0)}% of the server core during some runs (last column of the CPU table); those rows understate the server under test, Signet and peer alike. The µs-per-request figures are less affected than req/s.`
  : '';
const es = `openssl speed ecdsap256 on the server core: ${f1(openssl.sign_per_s)} sign/s, ${f1(openssl.verify_per_s)} verify/s; ` +
  `Signet's client-credentials rate is ${summary.signet_cc_share_of_es256_sign == null ? '?' : (summary.signet_cc_share_of_es256_sign * 100).toFixed(1)}% of the sign rate.`;

// Why each missed target is missed, from this run's own figures (µs of CPU per
// request on the server core, the signature rates of openssl speed).
const perReq = (r, k) => (r?.cpu_s ? (r.cpu_s[k] * 1e6) / r.requests : null);
const whyLines = [];
const rowOf = (k) => ops.find((o) => o.key === k);
const usTxt = (x) => (x == null ? '?' : `${Math.round(x)} µs`);
{
  const r = rowOf('cc');
  if (r?.met === false && r.signet) {
    const total = perReq(r.signet, 'server') + perReq(r.signet, 'postgresql');
    const signUs = sign ? 1e6 / sign : null;
    const budget = sign ? 1e6 / (0.4 * sign) : null;
    whyLines.push(`- **Client credentials:** a grant costs ${usTxt(total)} of the core (Signet ${usTxt(perReq(r.signet, 'server'))}, ` +
      `PostgreSQL ${usTxt(perReq(r.signet, 'postgresql'))} for its audit row); the ES256 signature is ${usTxt(signUs)} of it. ` +
      `40% of the sign rate leaves ${usTxt(budget)} per grant for everything: HTTP parsing and the answer in Pistache, ` +
      `the kernel's socket calls, JSON, client authentication and the audit event (a log line and a row for every grant).`);
  }
  const c = rowOf('code-half');
  if (c?.met === false && c.signet) {
    whyLines.push(`- **Code exchange p99:** each exchange costs ${usTxt(perReq(c.signet, 'server'))} of Signet and ` +
      `${usTxt(perReq(c.signet, 'postgresql'))} of PostgreSQL on the one core they share (a durable code redemption, the ` +
      `signature, the audit row); at half the peak rate that core is still about half busy with both, so an answer ` +
      `can wait behind other requests' database work, and the p99 is that wait.`);
  }
  const f = rowOf('refresh');
  if (f?.met === false && f.signet && f.peer_result) {
    const peerUs = perReq(f.peer_result, 'server');
    whyLines.push(`- **Refresh grant:** 5× the peer leaves ${usTxt(peerUs == null ? null : peerUs / 5)} of the core per ` +
      `refresh; PostgreSQL alone spends ${usTxt(perReq(f.signet, 'postgresql'))} on a durable rotation (the token marked ` +
      `used, its successor and access token stored, committed before the answer) and Signet ${usTxt(perReq(f.signet, 'server'))}. ` +
      `The peer rotates in memory and loses every refresh token when it restarts.`);
  }
  const v = rowOf('verify');
  if (v?.met === false && v.signet && v.peer_result) {
    const verifyUs = openssl.verify_per_s ? 1e6 / openssl.verify_per_s : null;
    const peerUs = perReq(v.peer_result, 'server');
    whyLines.push(`- **Distinct tokens at the resource server:** every request is a full ES256 verification on both sides ` +
      `(${usTxt(verifyUs)} by openssl speed; node's jose verifies with Node's own OpenSSL). 8× the peer leaves ` +
      `${usTxt(peerUs == null ? null : peerUs / 8)} per request, less than one verification. The repeated-token row is ` +
      `what the verified-token cache gives a client that keeps its token.`);
  }
  const d = rowOf('dpop');
  if (d?.met === false && d.signet && d.peer_result) {
    const verifyUs = openssl.verify_per_s ? 1e6 / openssl.verify_per_s : null;
    const peerUs = perReq(d.peer_result, 'server');
    whyLines.push(`- **DPoP at the resource server:** every request is two full ES256 verifications on both sides (the ` +
      `token and the proof, ${usTxt(verifyUs == null ? null : 2 * verifyUs)} by openssl speed) plus a jti recorded; bank-api spends ` +
      `${usTxt(perReq(d.signet, 'server'))} per request, node ${usTxt(peerUs)}. 2× the peer leaves ` +
      `${usTxt(peerUs == null ? null : peerUs / 2)} per request.`);
  }
  const r3 = rowOf('refresh-fapi');
  if (r3?.met === false && r3.signet && r3.peer_result) {
    const peerUs = perReq(r3.peer_result, 'server');
    const verifyUs = openssl.verify_per_s ? 1e6 / openssl.verify_per_s : null;
    whyLines.push(`- **FAPI refresh:** 5× the peer leaves ${usTxt(peerUs == null ? null : peerUs / 5)} of the core per refresh; ` +
      `Signet spends ${usTxt(perReq(r3.signet, 'server'))} and its PostgreSQL ${usTxt(perReq(r3.signet, 'postgresql'))} ` +
      `(two ES256 verifications, ${usTxt(verifyUs == null ? null : 2 * verifyUs)} by openssl speed, one signature, the assertion's ` +
      `and the proof's jti each recorded durably, ${r3.signet.rotates ? 'and a durable rotation' : 'no rotation'}); the peer keeps its ` +
      `jti records and tokens in memory.`);
  }
}
const why = whyLines.length ? `Why the missed targets are missed (this run's figures):\n\n${whyLines.join('\n')}` : '';

process.stdout.write(`\n${table}\n\n${es}\n\n${why ? `${why}\n\n` : ''}${cpuTable}\n\n${haveScaling ? `${scalingTable}\n\n` : ''}`);
const missed = summary.targets.filter((t) => t.met === false).map((t) => t.target);
process.stdout.write(`Targets: ${summary.targets.filter((t) => t.met).length} met, ${missed.length} missed${missed.length ? ` (${missed.join('; ')})` : ''}.\n`);
process.stdout.write(`Results: ${join(runDir, 'summary.json')}\n`);

if (mdPath && mdPath !== '-') {
  const peerRow = (k) => load(`${k}.peer`);
  const codeS = load('code.signet');
  const codeP = peerRow('code');
  const md = `# Benchmarks

Measured by \`tests/bench/run\` (issue #3) on ${machine.date.slice(0, 10)}; regenerate with the same command
(\`tests/bench/run --quick\` is the CI smoke run and does not touch this file).

**Machine:** ${machine.cpu_model}, \`nproc\` = ${machine.nproc}, Linux ${machine.kernel}, ${machine.openssl},
Node.js ${machine.node}, ${machine.wrk}, ${machine.postgresql}; load average at the end: ${machine.loadavg_at_report.split(' ').slice(0, 3).join(' ')}.
**Set-up:** ${settings}. Server processes (signet, bank-api, oidc-provider, the node resource server and
PostgreSQL with all its backends) pinned to core 0 with \`taskset\`; \`wrk -t1\` pinned to core 1. Each operation:
a warm-up run, then the measured run. Run files: \`tests/bench/results/${basename(runDir)}/\`.
PostgreSQL is the private cluster of \`deploy/lib.sh\` (the demo's), started with \`fsync=off\`: every commit
writes its WAL and costs its CPU, but waits for no disk flush, so the figures measure CPU, not this
machine's disk. With \`fsync=on\` each commit also waits for a flush (group commit shares it between
concurrent commits).

${table}

${es}

${why}

${noise}

Where the server core's time went (CPU time of the server process and of all PostgreSQL processes during
each measured run, divided by the requests answered; PostgreSQL shares core 0 with the server):

${cpuTable}

## How cost grows: cores and HTTP threads

${haveScaling ? `The same operations with signet restarted in other settings: \`SIGNET_HTTP_THREADS\` (Pistache event threads;
by default one per CPU the process may run on, so 1 on core 0 and 2 on cores 0-1)
and \`SIGNET_WORKERS\` (the pool that runs database calls), signet and PostgreSQL (all backends) pinned with
\`taskset\` to core 0 only, or to cores 0-1. wrk stays on core 1, so in the cores 0-1 column it competes with the
server for that core: the 2-core figure understates what a second core gives. Refresh and introspection use the
same pool of refresh tokens (each refresh run uses each token once; the pool is the successors).

${scalingTable}` : 'Not measured in this run (the full run measures it; `BENCH_NO_SCALING` skips it).'}

## How each row is measured

- **Peer.** oidc-provider ${sh('node', ['-p', `require('${join(dirname(new URL(import.meta.url).pathname), 'peer/node_modules/oidc-provider/package.json')}').version`])} (npm, Node.js ${machine.node}; it warns that it
  prefers Node 22) configured for the same work: ES256 JWT access tokens with \`typ: at+jwt\` through a resource
  indicator, 600 s lifetime, \`client_secret_basic\`, PKCE S256, 60 s codes; storage is an in-memory \`Map\`
  adapter. Signet keeps every code, session and consent in PostgreSQL (on the same core), so the
  comparison charges Signet for durability that the peer does not have.
- **Errors** count every answer other than the expected status (2xx; 303 for \`/login\` and code minting; 403
  for the verification-only row) plus socket errors and timeouts, counted by the wrk Lua scripts.
- **Client credentials:** \`POST /token\` \`grant_type=client_credentials&scope=read:transactions\`, Basic
  auth, ${cc ? cc.requests.toLocaleString('en-US') : '?'} requests over ${cc ? cc.duration_s.toFixed(0) : '?'} s.
  PostgreSQL scans of \`clients\` per request: ${summary.clients_table_scans_per_cc_request == null ? '?' : summary.clients_table_scans_per_cc_request.toFixed(2)}.
- **Authorization-code exchange:** the real flow is driven once per server (\`tests/bench/flow.mjs\`: login,
  consent); then wrk mints codes through \`GET /authorize\` (\`/auth\` for the peer) with the session cookie
  (consent remembered) for ${mode === 'full' ? 'the mint period' : 'a short period'}, and a second wrk redeems each code once.
  Codes live 60 s, so a redeeming run is cut to what the minted codes can feed: Signet
  ${codeS ? `${codeS.codes_minted} codes (minted at ${f1(codeS.mint_rps)}/s), ${codeS.duration_s.toFixed(0)} s` : '?'}; peer
  ${codeP ? `${codeP.codes_minted} codes (minted at ${f1(codeP.mint_rps)}/s), ${codeP.duration_s.toFixed(0)} s` : '?'}.
- **½ peak, paced:** wrk has no constant-rate mode and \`wrk2\` is not packaged in Debian 12. The Lua
  \`delay()\` hook makes each connection wait 10 ms before each request, with rate/100 connections,
  which approximates the rate (the achieved rate is the req/s column). Latency is measured from send to
  answer and is not corrected for coordinated omission.
- **Refresh grant and introspection:** a third client on each side (Signet \`Wallet\`, registered with
  \`--grant refresh_token\`; oidc-provider \`wallet-app\` with the \`refresh_token\` grant, \`issueRefreshToken\` true for it,
  \`rotateRefreshToken: true\`, refresh tokens in the in-memory adapter) gets a refresh token with every code exchange.
  A pool is minted ahead: the real flow once, codes minted for ${mode === 'full' ? 'the mint period' : 'a short period'} and all redeemed
  (Signet ${load('refresh.signet')?.codes_minted ?? '?'} codes, peer ${load('refresh.peer')?.codes_minted ?? '?'}). Introspection (\`POST /introspect\`;
  oidc-provider \`/token/introspection\`) cycles through the live refresh tokens of the pool (${load('introspect.signet')?.distinct_tokens ?? '?'} / ${load('introspect.peer')?.distinct_tokens ?? '?'}),
  authenticated as their client; each answer is \`active: true\` (checked before the run). oidc-provider refuses
  to introspect JWT access tokens, so access-token introspection is a Signet-only row (the Reconciler client
  introspecting ${load('introspect-at.signet')?.distinct_tokens ?? '?'} distinct client-credentials tokens: ES256 verification, then the revocation lookup).
  The refresh grant (\`grant_type=refresh_token\`, Basic auth) uses each token of the pool once; each answer's new
  refresh token goes into the next run's pool (rotation: a used token is spent), and each run is cut to what the pool
  can feed (Signet ${load('refresh.signet')?.refresh_pool ?? '?'} tokens, ${load('refresh.signet')?.duration_s?.toFixed(0) ?? '?'} s; peer ${load('refresh.peer')?.refresh_pool ?? '?'}, ${load('refresh.peer')?.duration_s?.toFixed(0) ?? '?'} s).
  Signet's rotation is durable in PostgreSQL: a read of the token, then one conditional statement that marks it used,
  stores the successor and records the access token (the family row locked), committed before the answer; the
  peer's is in memory. Signet answers introspection of a refresh token from memory once its record is read (30 s,
  dropped on every change; README, Token lifecycle), so the introspection rows measure that cache over the pool.
- **Protected requests:** both resource servers verify the same Signet-issued tokens (ES256, \`at+jwt\`;
  node uses \`createLocalJWKSet\` built once, then \`jwtVerify\` with \`typ\`, \`iss\`, \`aud\`, 30 s leeway).
  bank-api's resource library caches up to 4096 verified tokens (and empties the cache when full); node does
  not cache. The compared rows therefore cycle through ${load('verify.signet')?.distinct_tokens ?? '> 4096'} distinct tokens (every request is a
  full verification on both sides); the "one token repeated" row shows bank-api's cache at work, which is
  what a client that reuses its token for its 600 s lifetime gets. bank-api has no protected route
  without a database read, so the verification-only rows send a valid token without \`read:transactions\`:
  both servers verify it and answer 403 \`insufficient_scope\`. The \`/transactions\` row runs bank-api's two
  statements (demo-account check, transaction list) on both sides, node through \`pg\` with a pool of 4 like
  bank-api's 4 workers.
- **FAPI 2.0 rows** (\`tests/bench/fapi.mjs\` makes the keys and the one-use lines; \`wrk/lines.lua\` sends each
  line once): a DPoP proof (RFC 9449) and a client assertion (RFC 7523, ES256, \`aud\` = the issuer) are good for one
  request, so they are signed with node right before each run (unique \`jti\`, \`iat\` now, 2× the expected count).
  The peer is oidc-provider with \`features.dPoP\` (no nonces), pushed authorization requests and a \`private_key_jwt\`
  client \`fapi-app\` (\`dpop_bound_access_tokens\`, \`rotateRefreshToken\` false for it); Signet's \`FapiApp\` is
  registered alike, with DPoP nonces on (the lines carry the current nonce).
  *DPoP protected request:* ${load('dpop.signet')?.distinct_tokens ?? '?'} distinct DPoP-bound tokens with \`read:accounts\` only,
  \`GET /transactions\` with \`Authorization: DPoP\` and a fresh proof (\`ath\` of its token): both servers verify the
  token, the proof (§4.3: typ, alg, signature by its \`jwk\`, htm, htu, iat within 60 s, ath, jti unseen) and \`cnf.jkt\`,
  then answer 403. *PAR:* \`POST /par\` (oidc-provider \`/request\`) with PKCE and an assertion; its request_uris then
  give codes through the authorization endpoint with the session cookie (Signet ${load('code-fapi.signet')?.codes_minted ?? '?'}, peer
  ${load('code-fapi.peer')?.codes_minted ?? '?'}), and *the code exchange* redeems each once with an assertion and a
  DPoP proof. *FAPI refresh:* ${load('refresh-fapi.signet')?.refresh_tokens ?? '?'} refresh tokens minted through that flow, then
  \`grant_type=refresh_token\` with an assertion and a proof each; a server that rotates (Signet
  ${load('refresh-fapi.signet')?.rotates ? 'does' : 'does not'}, the peer ${load('refresh-fapi.peer')?.rotates ? 'does' : 'does not'} here) has each
  answer's successor used next, else the tokens are used in turn.
- **Password login:** \`POST /login\` with a valid CSRF pair and the right password, 16 connections (303 =
  success); Signet only, because the peer's development interactions accept any password without hashing.
  Token latency during login saturation: client-credentials requests paced at ~${load('token-idle.signet')?.rps?.toFixed(0) ?? '?'} req/s alone
  (idle), then again while a second wrk keeps 16 logins in flight.
- **Peak RSS** is \`VmHWM\` from \`/proc/PID/status\` after each measured run, reset before it through
  \`/proc/PID/clear_refs\`; PostgreSQL's memory is not included in Signet's figure.
`;
  // The growth section (run --growth) survives a full run.
  // So does the proxy section (run --proxy).
  const old = existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '';
  let kept = md;
  for (const heading of [GROWTH_HEADING, PROXY_HEADING]) {
    const previous = sectionOf(old, heading);
    if (previous) kept = replaceSection(kept, heading, previous);
  }
  writeFileSync(mdPath, kept);
  process.stdout.write(`Wrote ${mdPath}\n`);
}
