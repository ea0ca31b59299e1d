-- Token buckets for rate limits, atomic across every gateway replica. Each bucket is a hash {tokens, ts} that
-- refills `capacity` tokens per minute, up to `capacity`.
-- KEYS: the buckets. ARGV: now (ms), mode, then per bucket: capacity, amount.
--   mode "admit": every bucket must hold at least max(amount, 1) tokens (a requests bucket asks 1; a tokens bucket
--                 asks 0, i.e. only that it is not exhausted); if all do, each loses its amount, else none changes.
--   mode "debit": each bucket loses its amount unconditionally (a call's actual tokens); it may go negative, which
--                 refuses admission until it has refilled.
-- Returns {allowed (1/0), then per bucket: tokens left (floor), ms until full, ms until it would admit}.
local now = tonumber(ARGV[1])
local mode = ARGV[2]
local buckets = {}
local allowed = 1
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[1 + i * 2])
  local amount = tonumber(ARGV[2 + i * 2])
  local rate = capacity / 60000.0
  local stored = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local tokens = tonumber(stored[1]) or capacity
  local ts = tonumber(stored[2]) or now
  tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
  local wait = 0
  local needed = math.max(amount, 1)
  if mode == 'admit' and tokens < needed then
    allowed = 0
    wait = math.ceil((needed - tokens) / rate)
  end
  buckets[i] = {tokens = tokens, capacity = capacity, rate = rate, amount = amount, wait = wait}
end
local result = {allowed}
for i = 1, #KEYS do
  local b = buckets[i]
  local tokens = b.tokens
  if mode == 'debit' or allowed == 1 then
    tokens = tokens - b.amount
  end
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[i], 180000)
  table.insert(result, math.floor(tokens))
  table.insert(result, math.ceil((b.capacity - tokens) / b.rate))
  table.insert(result, b.wait)
end
return result
