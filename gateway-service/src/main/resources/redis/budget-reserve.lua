-- Budget reservations, atomic across every gateway replica. Amounts are integer micro-dollars.
-- Each budget scope is a hash {spent, reserved}: spent = this month's settled cost (started from billing's figure
-- and never below it), reserved = worst-case cost of calls in flight.
-- KEYS: the scopes. ARGV: mode, then per scope: limit, billing's spent, amount.
--   mode "reserve": if spent + reserved + amount <= limit in every scope, every scope reserves amount.
--   mode "settle":  each scope releases its reservation (amount) and adds the actual cost (ARGV after the scopes).
-- Returns {index of the first scope that refused (0 = none), then per scope: limit - spent - reserved after}.
local mode = ARGV[1]
local n = #KEYS
local refused = 0
local state = {}
for i = 1, n do
  local limit = tonumber(ARGV[2 + (i - 1) * 3])
  local billing_spent = tonumber(ARGV[3 + (i - 1) * 3])
  local amount = tonumber(ARGV[4 + (i - 1) * 3])
  local spent = tonumber(redis.call('HGET', KEYS[i], 'spent') or '0')
  if billing_spent > spent then
    spent = billing_spent
  end
  local reserved = tonumber(redis.call('HGET', KEYS[i], 'reserved') or '0')
  if mode == 'reserve' and refused == 0 and spent + reserved + amount > limit then
    refused = i
  end
  state[i] = {limit = limit, spent = spent, reserved = reserved, amount = amount}
end
local actual = tonumber(ARGV[2 + n * 3] or '0')
local result = {refused}
for i = 1, n do
  local s = state[i]
  if mode == 'reserve' and refused == 0 then
    s.reserved = s.reserved + s.amount
  elseif mode == 'settle' then
    s.reserved = math.max(0, s.reserved - s.amount)
    s.spent = s.spent + actual
  end
  redis.call('HSET', KEYS[i], 'spent', tostring(s.spent), 'reserved', tostring(s.reserved))
  redis.call('EXPIRE', KEYS[i], 40 * 86400)
  table.insert(result, s.limit - s.spent - s.reserved)
end
return result
