-- SPDX-License-Identifier: GPL-3.0-or-later
-- wrk script: POST /v1/photos/prepare, a new photo (random SHA-256) each
-- time, so every request takes the full path: dedupe lookup, a new
-- pending row, three presigned PUT URLs. Needs TOKEN in the environment.

local token = os.getenv ("TOKEN")
local counter = 0

function setup (thread)
  counter = counter + 1
  thread:set ("id", counter)
end

function init (args)
  math.randomseed (os.time () * 1000 + id)
  if token == nil or token == "" then
    error ("set TOKEN to an access token (see bench/README.md)")
  end
end

local function random_hex (n)
  local t = {}
  for i = 1, n do
    t[i] = string.format ("%x", math.random (0, 15))
  end
  return table.concat (t)
end

function request ()
  local body = string.format (
    '{"sha256":"%s","size":%d,"content_type":"image/jpeg","file_name":"IMG_%d.JPG",' ..
    '"taken_at":"2024-05-01T12:34:56+02:00","width":4000,"height":3000,' ..
    '"thumbnails":[{"name":"grid","size":20480,"sha256":"%s"},' ..
    '{"name":"preview","size":204800,"sha256":"%s"}]}',
    random_hex (64), math.random (100000, 9000000), math.random (1, 9999),
    random_hex (64), random_hex (64))
  return wrk.format ("POST", "/v1/photos/prepare",
                     { ["Authorization"] = "Bearer " .. token,
                       ["Content-Type"] = "application/json" },
                     body)
end

