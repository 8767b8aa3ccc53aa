-- SPDX-License-Identifier: GPL-3.0-or-later
-- wrk script: GET /v1/photos/{id} of one committed photo: the photo row
-- and three presigned GET URLs. Needs TOKEN and PHOTO in the environment.

local token = os.getenv ("TOKEN")
local photo = os.getenv ("PHOTO")

function init (args)
  if token == nil or photo == nil then
    error ("set TOKEN and PHOTO (see bench/README.md)")
  end
end

function request ()
  return wrk.format ("GET", "/v1/photos/" .. photo,
                     { ["Authorization"] = "Bearer " .. token })
end

