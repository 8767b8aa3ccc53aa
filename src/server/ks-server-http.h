/* ks-server-http.h: helpers every server module shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The default for every route: JSON requests are small. Routes that take
 * bytes (S3 uploads) raise or lift it, see ks_server_route_set_max_body_size(). */
#define KS_SERVER_HTTP_JSON_MAX_BODY ((goffset) 1024 * 1024)

/* Error codes of {"error": {"code": ..., "message": ...}}. */
#define KS_SERVER_HTTP_BAD_REQUEST "BadRequest"
#define KS_SERVER_HTTP_NOT_FOUND "NotFound"
#define KS_SERVER_HTTP_METHOD_NOT_ALLOWED "MethodNotAllowed"
#define KS_SERVER_HTTP_PAYLOAD_TOO_LARGE "PayloadTooLarge"
#define KS_SERVER_HTTP_INTERNAL_ERROR "InternalError"

void ks_server_http_respond_json (SoupServerMessage *msg,
                                  guint              status,
                                  JsonNode          *node);
void ks_server_http_respond_json_bytes (SoupServerMessage *msg,
                                        guint              status,
                                        GBytes            *json);
void ks_server_http_respond_error (SoupServerMessage *msg,
                                   guint              status,
                                   const char        *code,
                                   const char        *format,
                                   ...) G_GNUC_PRINTF (4, 5);

JsonNode   *ks_server_http_parse_json_body (SoupServerMessage *msg,
                                            GError           **error);
JsonObject *ks_server_http_parse_json_object (SoupServerMessage *msg,
                                              GError           **error);

void ks_server_http_limit_body (SoupServerMessage *msg,
                                goffset            max_size);
void ks_server_http_discard_body (SoupServerMessage *msg);

void ks_server_http_track (SoupServerMessage *msg);
void ks_server_http_log_access (SoupServerMessage *msg,
                                gboolean           aborted);
void ks_server_http_flush_log (void);

G_END_DECLS
