'use strict';
// Drives the official ECS Node.js SDK (@alicloud/ecs20140526 7.11.6 on
// @alicloud/openapi-core 1.0.8) against the loopback simulator, to prove the
// simulator speaks the wire protocol the real SDK speaks: both signature
// variants, plain and STS keys, the response models, NextToken paging and
// the error shapes. Run by tests/sdk/test_sdk.t, which starts the simulator
// and turns the JSON lines printed here into TAP.
//
// Scenarios: every one of class normal and api-error; of the others
// t-hz0stuckpage (valid pages whose NextToken never advances: three pages
// are read), t-hz0slow (a normal answer after 20 s: only with --slow yes,
// which test_sdk.t gives one variant), and t-hz0wrongtype / t-hz0wrongshape,
// where what the SDK does with wrongly typed data is recorded. Why the other
// transport scenarios are left out: tests/sim/scenarios/README.md.
//
// node conformance.js --endpoint 127.0.0.1:PORT --protocol HTTPS|HTTP
//     --scenarios DIR --sig v3|v2 --cred plain|sts [--slow yes|no]
// Credentials come from the environment: SIM_AK, SIM_SECRET, SIM_STS_AK,
// SIM_STS_SECRET, SIM_STS_TOKEN. For HTTPS, NODE_EXTRA_CA_CERTS names the
// test CA.
//
// Output, one JSON object per line:
//   {"type":"check","name":...,"ok":true|false,"diag":...}
//   {"type":"call","name":...,"action":...,"request_id":...,"map":{...}}
// A "call" line carries the SDK's parsed model turned back into wire names
// (toMap()); the wrapper compares it with the body the simulator logged
// under the same RequestId, so any field the SDK does not know, or types it
// would coerce, show up as a difference.

const fs = require('fs');
const path = require('path');
const Ecs = require('@alicloud/ecs20140526');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

const EcsClient = Ecs.default;

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error('usage: --name value pairs, got ' + argv[i]);
    }
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const need of ['endpoint', 'protocol', 'scenarios', 'sig', 'cred']) {
    if (!out[need]) throw new Error('missing --' + need);
  }
  return out;
}

const opt = args();
const variant = `${opt.sig}-${opt.cred}`;

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function check(name, ok, diag) {
  const line = { type: 'check', name: `${variant}: ${name}`, ok: !!ok };
  if (!ok && diag !== undefined) line.diag = diag;
  emit(line);
  return !!ok;
}

// timeout: ms for both the connect and the read timeout (default 5 s and
// 20 s); this SDK's connect timeout runs until the response starts.
function client(secretOverride, timeout) {
  const sts = opt.cred === 'sts';
  const cfg = {
    accessKeyId: sts ? process.env.SIM_STS_AK : process.env.SIM_AK,
    accessKeySecret: secretOverride
      || (sts ? process.env.SIM_STS_SECRET : process.env.SIM_SECRET),
    endpoint: opt.endpoint,
    protocol: opt.protocol,
    regionId: 'cn-hangzhou',
    readTimeout: timeout || 20000,
    connectTimeout: timeout || 5000,
  };
  if (sts) cfg.securityToken = process.env.SIM_STS_TOKEN;
  if (opt.sig === 'v2') cfg.signatureAlgorithm = 'v2';
  return new EcsClient(new $OpenApiUtil.Config(cfg));
}

function errInfo(e) {
  return {
    name: e && e.name, code: e && e.code, statusCode: e && e.statusCode,
    message: e && String(e.message).slice(0, 300),
    retryAfter: e && e.retryAfter,
    requestId: e && e.requestId,
  };
}

function loadScenarios(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => {
      const data = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      return { id: f.slice(0, -5), data };
    });
}

// Call fn, mirroring the simulator's fault counters: every error fault of
// the scenario counts each request of its action; while one is active the
// SDK must report exactly that error (code, status, retry-after, RequestId).
// Returns fn()'s result, or null after an "always" fault.
async function withFaults(sc, action, fn, label, budget) {
  const faults = (sc.data.faults || []).filter((f) => f.type === 'error');
  for (let attempt = 1; ; attempt += 1) {
    let active = null;
    faults.forEach((f, i) => {
      if (f.action && f.action !== action) return;
      budget[i] += 1;
      if (!active && (f.first === undefined || budget[i] <= f.first)) active = f;
    });
    if (!active) return fn();
    try {
      await fn();
      check(`${label}: fault ${active.code} answered (attempt ${attempt})`,
        false, 'the SDK got a success');
      return null;
    } catch (e) {
      const f = active;
      const good = e.code === f.code && e.statusCode === f.status
        && (f.retry_after_ms === undefined
          || (e.name === 'ThrottlingError' && e.retryAfter === f.retry_after_ms))
        && typeof e.requestId === 'string' && e.requestId.length === 36;
      check(`${label}: ${f.code} ${f.status} parsed by the SDK (attempt ${attempt})`,
        good, errInfo(e));
      if (f.first === undefined) return null;
    }
  }
}

async function scenario(sc, ecs) {
  const d = sc.data;
  const region = d.region || 'cn-hangzhou';
  const expect = d.expect || {};
  const budget = (d.faults || []).filter((f) => f.type === 'error').map(() => 0);
  const periodic = ['Period', 'EveryReboot']
    .includes((d.invocation || {}).RepeatMode);
  const label = sc.id;
  // a page that hands back the NextToken it was sent: the SDK would follow
  // it for ever, so three pages are read
  const stuck = !!d.stuck_paging;
  const delay = (d.faults || []).find((f) => f.type === 'delay'
    && (!f.action || f.action === 'DescribeInvocations'));

  // DescribeInvocations, as the plugin would ask
  let resp;
  const started = Date.now();
  try {
    resp = await withFaults(sc, 'DescribeInvocations', () => ecs.describeInvocations(
      new Ecs.DescribeInvocationsRequest({
        regionId: region, invokeId: sc.id, includeOutput: true, maxResults: 50,
      })), `${label} DescribeInvocations`, budget);
  } catch (e) {
    check(`${label}: DescribeInvocations accepted`, false, errInfo(e));
    return;
  }
  if (delay) {
    const waited = (Date.now() - started) / 1000;
    check(`${label}: the SDK waited for the answer delayed ${delay.seconds} s`
      + ` (${waited.toFixed(1)} s) and took it`,
    resp !== null && waited >= delay.seconds - 0.5, { waited });
  }
  if (resp === null) {
    // an "always" error fault: the other action must say the same
    try {
      await withFaults(sc, 'DescribeInvocationResults', () => ecs.describeInvocationResults(
        new Ecs.DescribeInvocationResultsRequest({ regionId: region, invokeId: sc.id })),
      `${label} DescribeInvocationResults`, budget);
    } catch (e) {
      check(`${label}: DescribeInvocationResults error parsed`, false, errInfo(e));
    }
    return;
  }
  const body = resp.body;
  emit({
    type: 'call', name: `${variant}: ${label} DescribeInvocations`,
    action: 'DescribeInvocations', request_id: body.requestId, map: body.toMap(),
  });
  const invs = (body.invocations && body.invocations.invocation) || [];
  check(`${label}: DescribeInvocations HTTP 200 parsed into the model`,
    resp.statusCode === 200 && invs.length === 1 && invs[0].invokeId === sc.id,
    { statusCode: resp.statusCode, n: invs.length });
  if (invs.length !== 1) return;
  const inv = invs[0];
  const insts = (inv.invokeInstances && inv.invokeInstances.invokeInstance) || [];
  const wantInsts = (d.instances || []).map((i) => i.InstanceId);
  if (d.generate) {
    for (let n = 1; n <= d.generate.count; n += 1) {
      wantInsts.push(d.generate.instance_id.replace(/\{n:0(\d)d\}/,
        (m, w) => String(n).padStart(Number(w), '0')));
    }
  }
  check(`${label}: instance ids`,
    JSON.stringify(insts.map((i) => i.instanceId)) === JSON.stringify(wantInsts),
    { got: insts.slice(0, 5).map((i) => i.instanceId), want: wantInsts.slice(0, 5) });
  const apiStatus = (d.invocation || {}).InvocationStatus;
  check(`${label}: invocation status ${apiStatus || '(none)'}`,
    inv.invocationStatus === apiStatus, inv.invocationStatus);
  const exitOk = (d.instances || []).every((want, k) => {
    const got = insts[k];
    if (!got) return false;
    let w = want.ExitCode;
    if (w === undefined && want.runs) w = want.runs.slice().sort((a, b) => (a.StartTime < b.StartTime ? -1 : 1)).pop().ExitCode;
    return w === undefined ? got.exitCode === undefined || got.exitCode === null
      : got.exitCode === w;
  });
  check(`${label}: exit codes are numbers where the data has them`, exitOk,
    insts.slice(0, 5).map((i) => i.exitCode));
  const outputs = insts.filter((i) => typeof i.output === 'string');
  check(`${label}: Output present and Base64 with IncludeOutput`,
    outputs.length === insts.length
    && outputs.every((i) => /^[A-Za-z0-9+/]*={0,2}$/.test(i.output)));

  // DescribeInvocationResults, paged to the end
  const records = [];
  const tokens = []; // [sent, received] per page
  let token;
  let pages = 0;
  let total = -1;
  try {
    for (;;) {
      const req = new Ecs.DescribeInvocationResultsRequest({
        regionId: region, invokeId: sc.id, maxResults: 50,
      });
      if (periodic) req.includeHistory = true;
      if (token) req.nextToken = token;
      const r = await withFaults(sc, 'DescribeInvocationResults',
        () => ecs.describeInvocationResults(req),
        `${label} DescribeInvocationResults`, budget);
      pages += 1;
      const b = r.body;
      emit({
        type: 'call', name: `${variant}: ${label} DescribeInvocationResults page ${pages}`,
        action: 'DescribeInvocationResults', request_id: b.requestId, map: b.toMap(),
      });
      const page = b.invocation;
      records.push(...((page.invocationResults
        && page.invocationResults.invocationResult) || []));
      total = page.totalCount;
      tokens.push([token, page.nextToken]);
      token = page.nextToken;
      if (!token || pages > 100 || (stuck && pages === 3)) break;
    }
  } catch (e) {
    check(`${label}: DescribeInvocationResults accepted`, false, errInfo(e));
    return;
  }
  let wantRecords = wantInsts.length;
  if (periodic) {
    wantRecords = (d.instances || []).reduce((n, i) => n + (i.runs || []).length, 0);
  }
  if (stuck) {
    // What the SDK does: it hands the token back and takes the same page
    // again; noticing is left to the client (the plugin gives up).
    check(`${label}: the SDK sends back the NextToken it got, and gets it again `
      + `(${pages} pages, ${records.length} records): it does not notice`,
    pages === 3 && tokens[0][1] && tokens.slice(1).every(([sent, got]) => sent === tokens[0][1]
      && got === sent) && records.length === 3 * wantRecords && total === wantRecords,
    { tokens, records: records.length, total });
  } else {
    check(`${label}: DescribeInvocationResults${periodic ? ' IncludeHistory' : ''} `
      + `paged to the end (${pages} page${pages > 1 ? 's' : ''}, ${records.length} records)`,
    records.length === total && total === wantRecords
      && pages === Math.max(1, Math.ceil(wantRecords / 50)),
    { records: records.length, total, wantRecords, pages });
  }
  check(`${label}: records parsed (ids, statuses)`,
    records.every((r) => typeof r.instanceId === 'string' && r.invokeId === sc.id
      && (typeof r.invocationStatus === 'string' || typeof r.invokeRecordStatus === 'string')));
  if (periodic) {
    const starts = records.map((r) => r.startTime);
    const oldestFirst = d.history_order === 'oldest';
    check(`${label}: history ${oldestFirst ? 'oldest' : 'newest'} first, as the scenario asks`,
      starts.every((s, k) => k === 0 || (oldestFirst ? starts[k - 1] <= s : starts[k - 1] >= s)),
      starts);
  }
}

// Wrongly typed or shaped data: not judged against the plugin (which
// refuses it, test_faults.t), but what the SDK makes of it is recorded here,
// so that a change in the SDK shows. Its models coerce a field to the
// declared type where they can and throw where they cannot.
async function badData(sc, ecs) {
  const d = sc.data;
  const label = sc.id;
  const wantTypes = (insts) => insts.map((i, k) => {
    const w = (d.instances || [])[k] || {};
    return {
      instanceId: typeof w.InstanceId === 'number' ? String(w.InstanceId) : w.InstanceId,
      exitCode: typeof w.ExitCode === 'string' ? Number(w.ExitCode) : w.ExitCode,
      got: { instanceId: i.instanceId, exitCode: i.exitCode },
    };
  });
  const coerced = (insts) => insts.length === (d.instances || []).length
    && wantTypes(insts).every((w) => w.got.instanceId === w.instanceId
      && w.got.exitCode === w.exitCode);
  let inv = null;
  let err = null;
  try {
    const r = await ecs.describeInvocations(new Ecs.DescribeInvocationsRequest({
      regionId: d.region || 'cn-hangzhou', invokeId: sc.id, includeOutput: true, maxResults: 50,
    }));
    inv = r.body.invocations.invocation[0];
  } catch (e) {
    err = e;
  }
  const mutated = (d.faults || []).find((f) => f.type === 'mutate'
    && Object.values(f.set || {}).some((v) => typeof v === 'string'));
  if (mutated) {
    const field = Object.keys(mutated.set)[0];
    check(`${label}: the SDK refuses ${field} as a string (throws "type of ... is mismatch"), `
      + 'as the plugin refuses the response',
    err && /type of \w+ is mismatch, expect object, but string/.test(err.message),
    err ? errInfo(err) : 'accepted');
    return;
  }
  const insts = (inv && inv.invokeInstances && inv.invokeInstances.invokeInstance) || [];
  check(`${label}: DescribeInvocations: the SDK coerces, silently, a string ExitCode to a number `
    + 'and a numeric InstanceId to a string (the plugin refuses the response)',
  !err && coerced(insts), err ? errInfo(err) : wantTypes(insts));
  try {
    const r = await ecs.describeInvocationResults(new Ecs.DescribeInvocationResultsRequest({
      regionId: d.region || 'cn-hangzhou', invokeId: sc.id, maxResults: 50,
    }));
    const recs = r.body.invocation.invocationResults.invocationResult;
    check(`${label}: DescribeInvocationResults: the same coercion`, coerced(recs),
      wantTypes(recs));
  } catch (e) {
    check(`${label}: DescribeInvocationResults: the same coercion`, false, errInfo(e));
  }
}

// Outside the normal and api-error classes: what the SDK meets as
// responses at all (see the header).
const BAD_DATA = ['t-hz0wrongtype', 't-hz0wrongshape'];
const EXTRA = ['t-hz0stuckpage'];
const SLOW = ['t-hz0slow'];

async function main() {
  const loaded = loadScenarios(opt.scenarios);
  const all = loaded
    .filter((s) => ['normal', 'api-error'].includes(s.data.class) || EXTRA.includes(s.id));
  const ecs = client();
  for (const sc of all) {
    // eslint-disable-next-line no-await-in-loop
    await scenario(sc, ecs);
  }
  for (const sc of loaded.filter((s) => BAD_DATA.includes(s.id))) {
    // eslint-disable-next-line no-await-in-loop
    await badData(sc, ecs);
  }
  if (opt.slow === 'yes') {
    // 20 s of delay against the default timeouts of 5 and 20 s: give it room
    const patient = client(undefined, 40000);
    for (const sc of loaded.filter((s) => SLOW.includes(s.id))) {
      // eslint-disable-next-line no-await-in-loop
      await scenario(sc, patient);
    }
  }

  // not found: the empty list
  const nf = await ecs.describeInvocations(new Ecs.DescribeInvocationsRequest({
    regionId: 'cn-hangzhou', invokeId: 't-hz0nosuch', maxResults: 50,
  }));
  check('t-hz0nosuch: empty Invocations list, TotalCount 0',
    nf.body.totalCount === 0 && nf.body.invocations.invocation.length === 0,
    nf.body.toMap());

  // a wrong secret is refused with SignatureDoesNotMatch
  try {
    await client('definitely-wrong-secret').describeInvocations(
      new Ecs.DescribeInvocationsRequest({ regionId: 'cn-hangzhou', invokeId: 't-hz0finished' }),
    );
    check('wrong secret refused', false, 'accepted');
  } catch (e) {
    check('wrong secret refused with SignatureDoesNotMatch (400)',
      e.code === 'SignatureDoesNotMatch' && e.statusCode === 400
      && /server string to sign is:/.test(e.message), errInfo(e));
  }
  emit({ type: 'done', variant });
}

main().catch((e) => {
  check('conformance run completed', false, errInfo(e));
  emit({ type: 'done', variant });
  process.exitCode = 1;
});
