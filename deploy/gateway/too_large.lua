-- The gateway's answer to a request over its size limit, given only once
-- the whole request has arrived (read and thrown away, up to a bound).
--
-- Why: HAProxy 2.6 answers a request it refuses at once and then resets the
-- rest of the upload with RST_STREAM(CANCEL) (not NO_ERROR: HAProxy issue
-- #1219). gRPC clients built on gRPC core (C++, Objective-C, Python) then
-- report CANCELLED, which a phone cannot tell from a dropped connection,
-- instead of the RESOURCE_EXHAUSTED sent before the reset. A request that
-- ended before the answer needs no reset.
--
-- The answer is errors/413.http, read at start, so it is written once. A
-- request beyond kMaxDrainBytes is answered at once (and reset): nobody
-- sends that much by mistake, and the gateway's time is worth more.
local kMaxDrainBytes = 16 * 1024 * 1024
local kChunkBytes = 64 * 1024

local function answer_headers()
  local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
  local headers = {}
  local file = assert(io.open(here .. "errors/413.http", "r"))
  for line in file:lines() do
    local name, value = line:match("^([%w-]+):%s*(.-)\r?$")
    if name and name:lower() ~= "content-length" then
      headers[#headers + 1] = {name:lower(), value}
    end
  end
  file:close()
  return headers
end

local headers = answer_headers()

core.register_service("grpc_too_large", "http", function(applet)
  local drained = 0
  while drained < kMaxDrainBytes do
    local chunk = applet:receive(kChunkBytes)
    if chunk == nil or #chunk == 0 then
      break
    end
    drained = drained + #chunk
  end
  applet:set_status(200)
  for _, header in ipairs(headers) do
    applet:add_header(header[1], header[2])
  end
  applet:add_header("content-length", "0")
  applet:start_response()
end)
