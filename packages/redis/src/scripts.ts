/**
 * The Lua scripts of the Redis store: one per store method, each ONE atomic step on ONE hash (the
 * namespace), run with EVALSHA.
 *
 * A record is one hash field: the key is the field, and its value is `<version>|<expiresAt>|<json>`
 * — the version as decimal digits, the expiry in epoch ms exactly as JavaScript wrote it (empty for
 * never), then the JSON text the client serialized. Lua never decodes the JSON (cjson would round
 * numbers to 14 digits), and all time comes from the `now` the client passes, read from the gate's
 * clock: never Redis's TIME, never a Redis TTL. A record whose expiry is `<= now` is absent, and the
 * script that finds it deletes its field (prune on read). A field that is not such a record (another
 * program's data under the prefix) fails the call with an `LGNOTRECORD` error reply.
 *
 * Numbers: Lua 5.1 numbers are doubles, exact for integers up to 2^53, and `%.17g` writes any
 * double so that it reads back the same; so versions and counters stay exact in the safe-integer
 * range, as in JavaScript.
 *
 * @module
 */
import { createHash } from 'node:crypto';

/** A Lua script and its SHA-1, as EVALSHA names it. */
export interface LuaScript {
  /** What the script does, for error messages. */
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

/** Helpers every script starts with. */
const PRELUDE = `
local function header(raw)
  local a = string.find(raw, '|', 1, true)
  local b = a and string.find(raw, '|', a + 1, true)
  local version = a and tonumber(string.sub(raw, 1, a - 1))
  if not b or not version then error({err = 'LGNOTRECORD a field of this hash is not a licensegate record'}) end
  return version, string.sub(raw, a + 1, b - 1), b
end
local function live(hash, field, now)
  local raw = redis.call('HGET', hash, field)
  if not raw then return nil, 0 end
  local version, expires = header(raw)
  if expires ~= '' and tonumber(expires) <= now then
    redis.call('HDEL', hash, field)
    return nil, 0
  end
  return raw, version
end
local function num(n)
  return string.format('%.17g', n)
end
`;

/**
 * GET. KEYS: hash. ARGV: field, now.
 * Returns the raw record, or nil.
 */
const GET = `
local raw = live(KEYS[1], ARGV[1], tonumber(ARGV[2]))
return raw
`;

/**
 * PUT. KEYS: hash. ARGV: field, now, expiresAt ('' for never), condition ('', 'absent' or
 * 'version'), ifVersion, json.
 * Returns the new version, or nil when the condition did not hold (nothing written).
 */
const PUT = `
local raw, version = live(KEYS[1], ARGV[1], tonumber(ARGV[2]))
local condition = ARGV[4]
if condition == 'absent' and raw then return false end
if condition == 'version' and ((not raw) or version ~= tonumber(ARGV[5])) then return false end
local written = num(version + 1)
redis.call('HSET', KEYS[1], ARGV[1], written .. '|' .. ARGV[3] .. '|' .. ARGV[6])
return written
`;

/**
 * DELETE. KEYS: hash. ARGV: field, now, ifVersion ('' for any).
 * Returns 1 when a live record was deleted, else 0.
 */
const DELETE = `
local raw, version = live(KEYS[1], ARGV[1], tonumber(ARGV[2]))
if not raw then return 0 end
if ARGV[3] ~= '' and version ~= tonumber(ARGV[3]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`;

/**
 * LIST. KEYS: hash. ARGV: now.
 * Returns field, raw record, field, raw record... of every live record; expired ones are deleted.
 */
const LIST = `
local now = tonumber(ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local found = {}
for i = 1, #all, 2 do
  local raw = all[i + 1]
  local _, expires = header(raw)
  if expires ~= '' and tonumber(expires) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    found[#found + 1] = all[i]
    found[#found + 1] = raw
  end
end
return found
`;

/**
 * INCREMENT. KEYS: hash. ARGV: field, now, by, expiresAt ('' to keep the record's expiry).
 * Returns {'ok', value}, {'type', json} when the live record is not a number (nothing written), or
 * {'range'} when the result would leave the safe-integer range (nothing written).
 */
const INCREMENT = `
local raw, version = live(KEYS[1], ARGV[1], tonumber(ARGV[2]))
local current = 0
local expires = ''
if raw then
  local _, recorded, last = header(raw)
  local json = string.sub(raw, last + 1)
  local first = string.byte(json, 1)
  current = nil
  if first == 45 or (first ~= nil and first >= 48 and first <= 57) then current = tonumber(json) end
  if current == nil then return {'type', json} end
  expires = recorded
end
local value = current + tonumber(ARGV[3])
if value > 9007199254740991 or value < -9007199254740991 then return {'range'} end
if ARGV[4] ~= '' then expires = ARGV[4] end
local text = num(value)
redis.call('HSET', KEYS[1], ARGV[1], num(version + 1) .. '|' .. expires .. '|' .. text)
return {'ok', text}
`;

function script(name: string, body: string): LuaScript {
  const lua = `${PRELUDE}${body}`;
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** The store's scripts, by method. */
export const SCRIPTS = {
  get: script('get', GET),
  put: script('put', PUT),
  delete: script('delete', DELETE),
  list: script('list', LIST),
  increment: script('increment', INCREMENT),
} as const satisfies Record<string, LuaScript>;
