'use strict';
// The peer make bench measures check_ecs_invocation against: the same check
// written the way a user would write it with the official Alibaba Cloud ECS
// Node.js SDK (@alicloud/ecs20140526 on @alicloud/openapi-core, pinned in
// package-lock.json). It makes the requests the plugin makes, with the SDK's
// defaults (ACS3-HMAC-SHA256 signing, one keep-alive agent):
//   DescribeInvocations (no Output, MaxResults 50),
//   DescribeInvocationResults in pages of 50 to the end,
//   and for a periodic task with a run in progress, history pages (newest
//   first) until every running instance has a completed run.
// and prints a Nagios line with the same exit code as the plugin.
//
// node peer.js INVOKE_ID HOST:PORT
// Credentials and region from the environment, as the SDKs' own credential
// chain reads them: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
// ALIBABA_CLOUD_REGION_ID; NODE_EXTRA_CA_CERTS names the test CA.

const Ecs = require('@alicloud/ecs20140526');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

const [invokeId, endpoint] = process.argv.slice(2);
const regionId = process.env.ALIBABA_CLOUD_REGION_ID || 'cn-hangzhou';

const RUNNING = new Set(['Pending', 'Running', 'Stopping', 'Scheduled']);
const STOPPED = new Set(['Stopped', 'Cancelled', 'Terminated']);

function state(rec) {
  const s = rec.invocationStatus || rec.invokeRecordStatus;
  if (RUNNING.has(s)) return 'running';
  if (STOPPED.has(s)) return 'stopped';
  if (s === 'Success' || s === 'Finished') return rec.exitCode === 0 ? 'finished' : 'failed';
  return 'failed';
}

function done(code, text) {
  process.stdout.write(`ECS INVOCATION ${['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'][code]} - ${text}\n`);
  process.exitCode = code;
}

async function main() {
  const client = new Ecs.default(new $OpenApiUtil.Config({
    accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
    accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    regionId,
    endpoint,
    protocol: 'HTTPS',
    connectTimeout: 5000,
    readTimeout: 10000,
  }));

  const inv = await client.describeInvocations(new Ecs.DescribeInvocationsRequest({
    regionId, invokeId, includeOutput: false, maxResults: 50,
  }));
  const found = inv.body.invocations.invocation;
  if (found.length === 0) {
    done(3, `${invokeId} not found`);
    return;
  }
  const periodic = ['Period', 'EveryReboot'].includes(found[0].repeatMode);

  const results = async (includeHistory, onPage) => {
    let nextToken;
    do {
      // eslint-disable-next-line no-await-in-loop
      const r = await client.describeInvocationResults(new Ecs.DescribeInvocationResultsRequest({
        regionId, invokeId, maxResults: 50, nextToken, includeHistory,
      }));
      nextToken = r.body.invocation.nextToken;
      if (onPage(r.body.invocation.invocationResults.invocationResult) === false) break;
    } while (nextToken);
  };

  const instances = new Map();
  await results(undefined, (page) => {
    for (const rec of page) instances.set(rec.instanceId, { rec, state: state(rec) });
  });

  // A periodic task: an instance in the middle of a run is judged by its
  // latest completed run, if it has one.
  const waiting = new Set([...instances].filter(([, i]) => i.state === 'running'
    && i.rec.repeats > 1).map(([id]) => id));
  if (periodic && waiting.size > 0) {
    await results(true, (page) => {
      for (const run of page) {
        const s = state(run);
        if (waiting.has(run.instanceId) && s !== 'running') {
          instances.set(run.instanceId, { rec: run, state: s });
          waiting.delete(run.instanceId);
        }
      }
      return waiting.size > 0;
    });
  }

  const count = { running: 0, finished: 0, failed: 0, stopped: 0 };
  for (const i of instances.values()) count[i.state] += 1;
  const n = instances.size;
  let code = 0;
  if (n === 0 || count.failed > 0) code = n === 0 ? 3 : 2;
  else if (count.running > 0 || count.stopped === n) code = 1;
  done(code, `${invokeId}: ${count.finished} of ${n} finished, ${count.failed} failed, `
    + `${count.running} running | total=${n} running=${count.running} `
    + `finished=${count.finished} failed=${count.failed} stopped=${count.stopped}`);
}

main().catch((e) => done(3, `${e.code || e.name}: ${String(e.message).split('\n')[0]}`));
