/*
 * The queue's Lua scripts (see queue_scripts.h). Numbers from the worker are
 * validated before they get here; ids are lowercase UUIDs.
 */

#include "queue_scripts.h"

#define PRELUDE                                                               \
"local P = 'streamvault:'\n"                                                  \
"local function jk(id) return P .. 'job:' .. id end\n"                        \
/* A report's revision: Redis' clock in microseconds, past the last one's;    \
 * it goes on rising after Redis lost or reloaded the job's hash */           \
"local function revise(id)\n"                                                 \
"  local t = redis.call('TIME')\n"                                            \
"  local last = tonumber(redis.call('HGET', jk(id), 'rev')) or 0\n"           \
"  local rev = string.format('%.0f',\n"                                       \
"    math.max(last + 1, t[1] * 1000000 + t[2]))\n"                            \
"  redis.call('HSET', jk(id), 'rev', rev)\n"                                  \
"  return rev\n"                                                              \
"end\n"                                                                       \
"local function summary(out, id)\n"                                           \
"  local h = redis.call('HMGET', jk(id), 'state', 'type', 'attempts',\n"      \
"    'max_attempts', 'priority', 'spec', 'run_after', 'last_error', 'worker')\n" \
"  out[#out + 1] = id\n"                                                      \
"  for i = 1, 9 do out[#out + 1] = h[i] or '' end\n"                          \
"  out[#out + 1] = h[1] and revise(id) or '0'\n"                              \
"  return out\n"                                                              \
"end\n"                                                                       \
/* lower priority first, then first come first served */                     \
"local function ready(id, now)\n"                                             \
"  local prio = tonumber(redis.call('HGET', jk(id), 'priority')) or 5\n"      \
"  redis.call('ZADD', P .. 'ready', prio * 1e13 + tonumber(now), id)\n"       \
"end\n"                                                                       \
/* strict: an unknown dependency is an error (injection); otherwise it     \
 * counts as done (recovery after Redis lost it: PostgreSQL is the record) */ \
"local function enqueue(id, typ, prio, maxa, spec, now, strict, attempts, deps)\n" \
"  if redis.call('EXISTS', jk(id)) == 1 then return 'exists' end\n"           \
"  local waiting = {}\n"                                                      \
"  for _, d in ipairs(deps) do\n"                                             \
"    local st = redis.call('HGET', jk(d), 'state')\n"                         \
"    if not st then\n"                                                        \
"      if strict then return 'unknown dependency ' .. d end\n"                \
"    elseif st ~= 'succeeded' then waiting[#waiting + 1] = d end\n"           \
"  end\n"                                                                     \
"  for _, d in ipairs(waiting) do\n"                                          \
"    redis.call('SADD', P .. 'dependents:' .. d, id)\n"                       \
"  end\n"                                                                     \
"  local state = #waiting > 0 and 'waiting' or 'queued'\n"                    \
"  redis.call('HSET', jk(id), 'spec', spec, 'type', typ, 'state', state,\n"   \
"    'attempts', attempts, 'max_attempts', maxa, 'priority', prio,\n"         \
"    'deps_left', #waiting, 'created_at', now)\n"                             \
"  if state == 'queued' then ready(id, now) end\n"                            \
"  return 'ok'\n"                                                             \
"end\n"                                                                       \
"local function tail(from) local t = {}\n"                                    \
"  for i = from, #ARGV do t[#t + 1] = ARGV[i] end return t end\n"

static const char *const bodies[SV_QS_COUNT] = {
[SV_QS_INBOX_TAKE] = PRELUDE
"local w, max = ARGV[1], tonumber(ARGV[2])\n"
"local v = redis.call('LMOVE', P .. 'inbox', P .. 'inbox:processing:' .. w,\n"
"  'RIGHT', 'LEFT')\n"
"if not v then return {'empty'} end\n"
/* too big to hand over: set aside here, with a printable prefix */
"if #v > max then\n"
"  redis.call('LPOP', P .. 'inbox:processing:' .. w)\n"
"  local raw = string.gsub(string.sub(v, 1, 1024), '[%z\\1-\\31\\127-\\255]', '?')\n"
"  redis.call('LPUSH', P .. 'rejected', cjson.encode({raw = raw,\n"
"    reason = 'too big: ' .. #v .. ' bytes (at most ' .. max .. ')',\n"
"    at = ARGV[3]}))\n"
"  return {'toobig', tostring(#v)}\n"
"end\n"
"return {'item', v}\n",

[SV_QS_INBOX_RESTORE] = PRELUDE
"local n = 0\n"
"while redis.call('LMOVE', P .. 'inbox:processing:' .. ARGV[1], P .. 'inbox',\n"
"  'LEFT', 'RIGHT') do n = n + 1 end\n"
"return {'ok', tostring(n)}\n",

[SV_QS_INJECT] = PRELUDE
"local r = enqueue(ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], true,\n"
"  0, tail(9))\n"
"if r == 'exists' then return {'refused', 'a job with this id exists'} end\n"
"if r ~= 'ok' then return {'refused', r} end\n"
"redis.call('LREM', P .. 'inbox:processing:' .. ARGV[1], 1, ARGV[2])\n"
"return summary({'ok'}, ARGV[3])\n",

[SV_QS_REJECT] = PRELUDE
"redis.call('LREM', P .. 'inbox:processing:' .. ARGV[1], 1, ARGV[2])\n"
"redis.call('LPUSH', P .. 'rejected', ARGV[3])\n"
"return {'ok'}\n",

[SV_QS_RESTORE] = PRELUDE
"local r = enqueue(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], false,\n"
"  ARGV[7], tail(8))\n"
"if r ~= 'ok' then return {r} end\n"
"return summary({'ok'}, ARGV[1])\n",

[SV_QS_TAKE] = PRELUDE
"local w, now, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])\n"
"while true do\n"
"  local top = redis.call('ZPOPMIN', P .. 'ready')\n"
"  if #top == 0 then return {'empty'} end\n"
"  local id = top[1]\n"
/* a stale entry (cancelled, or lost with its hash) is skipped */
"  if redis.call('HGET', jk(id), 'state') == 'queued' then\n"
"    redis.call('SADD', P .. 'workers', w)\n"
"    redis.call('HINCRBY', jk(id), 'attempts', 1)\n"
"    redis.call('HSET', jk(id), 'state', 'running', 'worker', w,\n"
"      'lease_until', now + lease)\n"
"    redis.call('ZADD', P .. 'processing:' .. w, now + lease, id)\n"
"    return summary({'ok'}, id)\n"
"  end\n"
"end\n",

[SV_QS_EXTEND] = PRELUDE
"local pk = P .. 'processing:' .. ARGV[1]\n"
"if not redis.call('ZSCORE', pk, ARGV[2]) then return {'lost'} end\n"
"redis.call('ZADD', pk, ARGV[3], ARGV[2])\n"
"redis.call('HSET', jk(ARGV[2]), 'lease_until', ARGV[3])\n"
"return {'ok'}\n",

[SV_QS_ACK] = PRELUDE
"local id, now = ARGV[2], ARGV[3]\n"
"if redis.call('ZREM', P .. 'processing:' .. ARGV[1], id) == 0 then\n"
"  return {'lost'} end\n"
"if redis.call('HGET', jk(id), 'state') == 'cancelled' then\n"
"  return summary({'cancelled'}, id) end\n"
"redis.call('HSET', jk(id), 'state', 'succeeded', 'last_error', '',\n"
"  'finished_at', now)\n"
"local out = summary({'ok'}, id)\n"
"local dk = P .. 'dependents:' .. id\n"
"for _, d in ipairs(redis.call('SMEMBERS', dk)) do\n"
"  local left = redis.call('HINCRBY', jk(d), 'deps_left', -1)\n"
"  if left <= 0 and redis.call('HGET', jk(d), 'state') == 'waiting' then\n"
"    redis.call('HSET', jk(d), 'state', 'queued')\n"
"    ready(d, now)\n"
"    summary(out, d)\n"
"  end\n"
"end\n"
"redis.call('DEL', dk)\n"
"return out\n",

[SV_QS_FAIL] = PRELUDE
"local id, now, delay = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])\n"
"if redis.call('ZREM', P .. 'processing:' .. ARGV[1], id) == 0 then\n"
"  return {'lost'} end\n"
"if redis.call('HGET', jk(id), 'state') == 'cancelled' then\n"
"  return summary({'cancelled'}, id) end\n"
"local h = redis.call('HMGET', jk(id), 'attempts', 'max_attempts')\n"
"redis.call('HSET', jk(id), 'last_error', ARGV[5])\n"
"if tonumber(h[1]) >= tonumber(h[2]) then\n"
"  redis.call('HSET', jk(id), 'state', 'dead', 'finished_at', now)\n"
"  redis.call('LPUSH', P .. 'dead', id)\n"
"else\n"
"  redis.call('HSET', jk(id), 'state', 'failed', 'run_after', now + delay)\n"
"  redis.call('ZADD', P .. 'delayed', now + delay, id)\n"
"end\n"
"return summary({'ok'}, id)\n",

[SV_QS_RELEASE] = PRELUDE
"local id = ARGV[2]\n"
"if redis.call('ZREM', P .. 'processing:' .. ARGV[1], id) == 0 then\n"
"  return {'lost'} end\n"
"if redis.call('HGET', jk(id), 'state') ~= 'running' then\n"
"  return summary({'ok'}, id) end\n"
/* stopped from outside: this run does not count as an attempt */
"redis.call('HINCRBY', jk(id), 'attempts', -1)\n"
"redis.call('HSET', jk(id), 'state', 'queued')\n"
"ready(id, ARGV[3])\n"
"return summary({'ok'}, id)\n",

[SV_QS_REAP] = PRELUDE
"local now = tonumber(ARGV[1])\n"
"local out = {'ok'}\n"
"for _, w in ipairs(redis.call('SMEMBERS', P .. 'workers')) do\n"
"  local pk = P .. 'processing:' .. w\n"
"  for _, id in ipairs(redis.call('ZRANGEBYSCORE', pk, '-inf', now,\n"
"      'LIMIT', 0, 100)) do\n"
"    redis.call('ZREM', pk, id)\n"
"    local h = redis.call('HMGET', jk(id), 'state', 'attempts', 'max_attempts')\n"
"    if h[1] == 'running' then\n"
"      redis.call('HSET', jk(id), 'last_error', 'lease expired on worker ' .. w)\n"
/* a job that keeps killing its worker must end somewhere */
"      if tonumber(h[2]) >= tonumber(h[3]) then\n"
"        redis.call('HSET', jk(id), 'state', 'dead', 'finished_at', now)\n"
"        redis.call('LPUSH', P .. 'dead', id)\n"
"      else\n"
"        redis.call('HSET', jk(id), 'state', 'queued')\n"
"        ready(id, now)\n"
"      end\n"
"      summary(out, id)\n"
"    end\n"
"  end\n"
"  if redis.call('ZCARD', pk) == 0 then redis.call('SREM', P .. 'workers', w) end\n"
"end\n"
"return out\n",

[SV_QS_PROMOTE] = PRELUDE
"local out = {'ok'}\n"
"for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf',\n"
"    ARGV[1], 'LIMIT', 0, 100)) do\n"
"  redis.call('ZREM', P .. 'delayed', id)\n"
"  if redis.call('HGET', jk(id), 'state') == 'failed' then\n"
"    redis.call('HSET', jk(id), 'state', 'queued')\n"
"    ready(id, ARGV[1])\n"
"    summary(out, id)\n"
"  end\n"
"end\n"
"return out\n",

[SV_QS_RETRY] = PRELUDE
"local id, now = ARGV[1], ARGV[2]\n"
"local h = redis.call('HMGET', jk(id), 'state', 'worker', 'deps_left')\n"
"if not h[1] then\n"
"  local r = enqueue(id, ARGV[3], ARGV[4], ARGV[5], ARGV[6], now, false, 0,\n"
"    tail(7))\n"
"  return summary({r}, id)\n"
"end\n"
"if h[1] ~= 'dead' and h[1] ~= 'failed' and h[1] ~= 'cancelled' then\n"
"  return {'unchanged'} end\n"
/* a cancelled job still running here or elsewhere must not run twice */
"if h[2] and redis.call('ZSCORE', P .. 'processing:' .. h[2], id) then\n"
"  return {'busy'} end\n"
"redis.call('LREM', P .. 'dead', 0, id)\n"
"redis.call('ZREM', P .. 'delayed', id)\n"
"redis.call('HSET', jk(id), 'attempts', 0, 'last_error', '', 'run_after', '')\n"
"if (tonumber(h[3]) or 0) > 0 then\n"
"  redis.call('HSET', jk(id), 'state', 'waiting')\n"
"else\n"
"  redis.call('HSET', jk(id), 'state', 'queued')\n"
"  ready(id, now)\n"
"end\n"
"return summary({'ok'}, id)\n",

[SV_QS_CANCEL] = PRELUDE
"local id = ARGV[1]\n"
"local st = redis.call('HGET', jk(id), 'state')\n"
"if not st then return {'unknown'} end\n"
"if st == 'succeeded' or st == 'cancelled' then return {'unchanged'} end\n"
"redis.call('ZREM', P .. 'ready', id)\n"
"redis.call('ZREM', P .. 'delayed', id)\n"
"redis.call('LREM', P .. 'dead', 0, id)\n"
/* a running job finishes; ack and fail then record it as cancelled */
"redis.call('HSET', jk(id), 'state', 'cancelled')\n"
"return summary({'ok'}, id)\n",
};

const char *
sv_queue_script_source(enum sv_queue_script s)
{
    return bodies[s];
}
