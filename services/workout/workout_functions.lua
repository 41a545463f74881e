-- The gracilis_workout Redis Functions library (its "#!lua name=" line and
-- version function are added by MakeFunctionLibrary in workout_functions.cc.in).
-- Workout storage: every write of one request is one of these functions, so
-- it applies whole or not at all. All keys of a call are in the user's slot.
--
-- A workout hash (w:<id>) holds:
--   h   the header (planned_session_id, start_time, notes) as protobuf
--   st  the Workout.State number       et  end time (Timestamp bytes)
--   v   version, +1 per change         ut  update time (Timestamp bytes)
--   f   SHA-1 of the upload that created it (the content a retry repeats)
--   ns, nr       how many sets and runs
--   s:<set id>   a StrengthSet without its id; r:<run id> a Run likewise
-- A deleted workout keeps only del, v and ut (a tombstone that expires).

local ACTIVE = '1'

-- Records a change of `member` (w:<id>, m:<id>, n:<date>) in the feed.
local function log_change(changes, changeseq, member)
  redis.call('ZADD', changes, redis.call('INCR', changeseq), member)
end

local function bump(w, changes, changeseq, wid, update_time)
  redis.call('HINCRBY', w, 'v', 1)
  redis.call('HSET', w, 'ut', update_time)
  log_change(changes, changeseq, 'w:' .. wid)
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The user's keys beside the feed (all in the user's slot): its prefix
-- '{u:<id>}:', tombs (deleted workout id -> tombstone expiry in ms) and
-- changefloor.
local function feed_keys(changes)
  local prefix = string.sub(changes, 1, -8)
  return prefix, prefix .. 'tombs', prefix .. 'changefloor'
end

-- The feed keeps one member per resource ever changed. A deleted
-- workout's member goes once its tombstone has expired; changefloor then
-- records the highest sequence number removed, and a since_token below it
-- answers "resync needed" (changes_since). Run once by every call that
-- creates or deletes workouts, a few expired tombstones at a time.
local function compact_feed(changes)
  local prefix, tombs, floor = feed_keys(changes)
  for _, wid in ipairs(redis.call('ZRANGE', tombs, '-inf', now_ms(), 'BYSCORE',
                                  'LIMIT', 0, 16)) do
    redis.call('ZREM', tombs, wid)
    if redis.call('EXISTS', prefix .. 'w:' .. wid) == 0 then
      local seq = redis.call('ZSCORE', changes, 'w:' .. wid)
      if seq then
        redis.call('ZREM', changes, 'w:' .. wid)
        if tonumber(seq) > tonumber(redis.call('GET', floor) or '0') then
          redis.call('SET', floor, seq)
        end
      end
    end
  end
end

local function gone(w)
  return redis.call('EXISTS', w) == 0 or redis.call('HEXISTS', w, 'del') == 1
end

-- nil when no workout has this id; else the reply to a create.
local function existing(w, fingerprint)
  if redis.call('EXISTS', w) == 0 then return nil end
  if redis.call('HEXISTS', w, 'del') == 1 then return {'deleted'} end
  if redis.call('HGET', w, 'f') ~= fingerprint then return {'reused'} end
  return {'same', redis.call('HGETALL', w)}
end

local function create(w, workouts, changes, changeseq, registry, wid,
                      fingerprint, score, update_time, fields)
  redis.call('HSET', w, 'f', fingerprint, 'v', 0, unpack(fields))
  bump(w, changes, changeseq, wid, update_time)
  redis.call('ZADD', workouts, score, wid)
  redis.call('SADD', registry, w, workouts, changes, changeseq)
  return {'stored', redis.call('HGETALL', w)}
end

-- KEYS: w, workouts, changes, changeseq, registry, active.
-- ARGV: workout id, upload, start score, update time, active ttl (s), fields...
-- {'stored'|'same', hgetall} | {'reused'} | {'deleted'} | {'busy', active id}
register_user_function('workout_start', function(keys, args)
  local fingerprint = redis.sha1hex(args[2])
  local seen = existing(keys[1], fingerprint)
  if seen then return seen end
  local active = redis.call('GET', keys[6])
  if active then return {'busy', active} end
  compact_feed(keys[3])
  local out = create(keys[1], keys[2], keys[3], keys[4], keys[5], args[1],
                     fingerprint, args[3], args[4], {unpack(args, 6)})
  redis.call('SET', keys[6], args[1], 'EX', args[5])
  redis.call('SADD', keys[5], keys[6])
  return out
end)

-- KEYS: workouts, changes, changeseq, registry, then w of each item.
-- ARGV: update time, then per item: workout id, upload, start score,
-- field count, fields... One create reply per item.
register_user_function('workout_sync', function(keys, args)
  compact_feed(keys[2])
  local out = {}
  local at = 2
  for i = 5, #keys do
    local wid, upload, score = args[at], args[at + 1], args[at + 2]
    local count = tonumber(args[at + 3])
    local fields = {unpack(args, at + 4, at + 3 + count)}
    at = at + 4 + count
    local fingerprint = redis.sha1hex(upload)
    out[#out + 1] = existing(keys[i], fingerprint) or
        create(keys[i], keys[1], keys[2], keys[3], keys[4], wid, fingerprint,
               score, args[1], fields)
  end
  return out
end)

-- KEYS: w, changes, changeseq, active.
-- ARGV: workout id, 's' or 'r', item id, item, update time, cap, active ttl.
-- {'stored'} | {'same'} | {'reused'} | {'missing'} | {'ended'} | {'full'}
register_user_function('workout_add', function(keys, args)
  -- The hot path (every logged set): one read, one write of the hash.
  local w = keys[1]
  local field, count = args[2] .. ':' .. args[3], 'n' .. args[2]
  local got = redis.call('HMGET', w, 'st', 'del', field, count, 'v')
  local state, deleted, old = got[1], got[2], got[3]
  if not state or deleted then return {'missing'} end
  if old then
    if old == args[4] then return {'same'} end
    return {'reused'}
  end
  if state ~= ACTIVE then return {'ended'} end
  local n = tonumber(got[4] or '0')
  if n >= tonumber(args[6]) then return {'full'} end
  redis.call('HSET', w, field, args[4], count, n + 1,
             'v', tonumber(got[5]) + 1, 'ut', args[5])
  log_change(keys[2], keys[3], 'w:' .. args[1])
  if redis.call('GET', keys[4]) == args[1] then
    redis.call('EXPIRE', keys[4], args[7])
  end
  return {'stored'}
end)

-- KEYS: w, changes, changeseq, active.
-- ARGV: workout id, end state, end time, update time.
-- {'stored'|'same', hgetall} | {'missing'} | {'ended'}
register_user_function('workout_end', function(keys, args)
  local w = keys[1]
  if gone(w) then return {'missing'} end
  local state = redis.call('HGET', w, 'st')
  if state == args[2] then return {'same', redis.call('HGETALL', w)} end
  if state ~= ACTIVE then return {'ended'} end
  redis.call('HSET', w, 'st', args[2], 'et', args[3])
  bump(w, keys[2], keys[3], args[1], args[4])
  if redis.call('GET', keys[4]) == args[1] then redis.call('DEL', keys[4]) end
  return {'stored', redis.call('HGETALL', w)}
end)

-- KEYS: w, workouts, changes, changeseq.
-- ARGV: workout id, expected version, start score, update time, fields...
-- {'stored', hgetall} | {'missing'} | {'conflict'}
register_user_function('workout_replace', function(keys, args)
  local w = keys[1]
  if gone(w) then return {'missing'} end
  if redis.call('HGET', w, 'v') ~= args[2] then return {'conflict'} end
  local fingerprint = redis.call('HGET', w, 'f')
  redis.call('DEL', w)
  redis.call('HSET', w, 'f', fingerprint, 'v', args[2], unpack(args, 5))
  bump(w, keys[3], keys[4], args[1], args[4])
  redis.call('ZADD', keys[2], args[3], args[1])
  return {'stored', redis.call('HGETALL', w)}
end)

-- KEYS: w, workouts, changes, changeseq, active.
-- ARGV: workout id, update time, tombstone ttl (s). {'stored'|'same'|'missing'}
register_user_function('workout_delete', function(keys, args)
  local w = keys[1]
  if redis.call('EXISTS', w) == 0 then return {'missing'} end
  if redis.call('HEXISTS', w, 'del') == 1 then return {'same'} end
  local version = redis.call('HGET', w, 'v')
  redis.call('DEL', w)
  redis.call('HSET', w, 'del', 1, 'v', version)
  bump(w, keys[3], keys[4], args[1], args[2])
  redis.call('EXPIRE', w, args[3])
  compact_feed(keys[3])
  local prefix, tombs, floor = feed_keys(keys[3])
  redis.call('ZADD', tombs, now_ms() + tonumber(args[3]) * 1000, args[1])
  redis.call('SADD', prefix .. 'keys', tombs, floor)
  redis.call('ZREM', keys[2], args[1])
  if redis.call('GET', keys[5]) == args[1] then redis.call('DEL', keys[5]) end
  return {'stored'}
end)

-- KEYS: workout hashes. Their HGETALLs (empty for none).
register_user_function('workout_read', function(keys, args)
  local out = {}
  for i, key in ipairs(keys) do out[i] = redis.call('HGETALL', key) end
  return out
end, {'no-writes'})

-- KEYS: changes, changefloor. ARGV: since, count. {floor, member, score,
-- member, score...}: the feed's members after `since`, oldest first; the
-- caller refuses a since below floor (compact_feed removed what it had not
-- seen).
register_user_function('changes_since', function(keys, args)
  local out = {redis.call('GET', keys[2]) or '0'}
  for _, v in ipairs(redis.call('ZRANGE', keys[1], '(' .. args[1], '+inf',
                                'BYSCORE', 'LIMIT', 0, args[2],
                                'WITHSCORES')) do
    out[#out + 1] = v
  end
  return out
end, {'no-writes'})

-- One feed member's content: the workout's HGETALL (`workout` is its
-- key), or {record, stored time} of a measurement or nutrition log.
local function change_content(body, nutrition, workout, member)
  local kind, id = string.sub(member, 1, 1), string.sub(member, 3)
  if kind == 'w' then return redis.call('HGETALL', workout) end
  if kind == 'm' then return redis.call('HMGET', body, id, id .. ':t') end
  return redis.call('HMGET', nutrition, id, id .. ':t')
end

-- KEYS: body, nutrition, then the w of each workout member in order.
-- ARGV: change members (w:<id>, m:<id>, n:<date>). Per member, its
-- change_content. (Kept for callers of version 3; changes_page reads a
-- page in one step.)
register_user_function('changes_read', function(keys, args)
  local out = {}
  local next_w = 3
  for i, member in ipairs(args) do
    out[i] = change_content(keys[1], keys[2], keys[next_w], member)
    if string.sub(member, 1, 1) == 'w' then next_w = next_w + 1 end
  end
  return out
end, {'no-writes'})

-- KEYS: changes, changefloor, body, nutrition. ARGV: since, count.
-- {floor, member, score, content, ...}: the feed's members after `since`,
-- oldest first, each with its change_content (changes_since and
-- changes_read in one step). The caller refuses a since below floor.
register_user_function('changes_page', function(keys, args)
  local prefix = feed_keys(keys[1])
  local out = {redis.call('GET', keys[2]) or '0'}
  local page = redis.call('ZRANGE', keys[1], '(' .. args[1], '+inf', 'BYSCORE',
                          'LIMIT', 0, args[2], 'WITHSCORES')
  for i = 1, #page, 2 do
    local member = page[i]
    out[#out + 1] = member
    out[#out + 1] = page[i + 1]
    out[#out + 1] = change_content(keys[3], keys[4],
                                   prefix .. 'w:' .. string.sub(member, 3),
                                   member)
  end
  return out
end, {'no-writes'})

-- KEYS: hash, index, changes, changeseq, registry.
-- ARGV: change kind ('m' or 'n'), id, record, index score, stored time,
-- 'once' (an id is written once) or 'replace'. {'stored'|'same'|'reused'}
register_user_function('record_log', function(keys, args)
  local id, record = args[2], args[3]
  local old = redis.call('HGET', keys[1], id)
  if old == record then return {'same'} end
  if old and args[6] == 'once' then return {'reused'} end
  redis.call('HSET', keys[1], id, record, id .. ':t', args[5])
  redis.call('ZADD', keys[2], args[4], id)
  log_change(keys[3], keys[4], args[1] .. ':' .. id)
  redis.call('SADD', keys[5], keys[1], keys[2], keys[3], keys[4])
  return {'stored'}
end)

-- KEYS: index, hash. ARGV: max score, skip, count.
-- {id, score, record, ...} newest first.
register_user_function('record_page', function(keys, args)
  local ids = redis.call('ZRANGE', keys[1], args[1], '-inf', 'BYSCORE',
                         'REV', 'LIMIT', args[2], args[3], 'WITHSCORES')
  local out = {}
  for i = 1, #ids, 2 do
    out[#out + 1] = ids[i]
    out[#out + 1] = ids[i + 1]
    out[#out + 1] = redis.call('HGET', keys[2], ids[i])
  end
  return out
end, {'no-writes'})

-- KEYS: workouts. ARGV: max score, min score, skip, count.
-- {id, score, hgetall, ...} newest first: a page of ListWorkouts.
register_user_function('workout_list', function(keys, args)
  local prefix = string.sub(keys[1], 1, -9)
  local ids = redis.call('ZRANGE', keys[1], args[1], args[2], 'BYSCORE', 'REV',
                         'LIMIT', args[3], args[4], 'WITHSCORES')
  local out = {}
  for i = 1, #ids, 2 do
    out[#out + 1] = ids[i]
    out[#out + 1] = ids[i + 1]
    out[#out + 1] = redis.call('HGETALL', prefix .. 'w:' .. ids[i])
  end
  return out
end, {'no-writes'})

-- KEYS: active. {id, hgetall} of the live workout, or {} when none.
register_user_function('workout_active', function(keys, args)
  local id = redis.call('GET', keys[1])
  if not id then return {} end
  return {id, redis.call('HGETALL', string.sub(keys[1], 1, -7) .. 'w:' .. id)}
end, {'no-writes'})
