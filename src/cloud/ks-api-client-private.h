/* ks-api-client-private.h: the one call path every typed call goes through
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-api-client.h"
#include "ks-cloud-types-private.h"

G_BEGIN_DECLS

/* Turns a reply's JSON (NULL for 204) into the call's result, or fails
 * with KS_CLOUD_ERROR_PROTOCOL. */
typedef gpointer (*KsApiParseFunc) (JsonNode *root,
                                    GError  **error);

/* Parsers shared by the calls of several files. */
gpointer ks_api_parse_photo (JsonNode *root,
                             GError  **error);
gpointer ks_api_parse_photo_page (JsonNode *root,
                                  GError  **error);

typedef struct
{
  const char    *method;
  char          *path;        /* owned: encoded, relative to the API URL, with the query */
  const char    *log_path;    /* nullable: logged instead of @path when it holds a secret */
  JsonNode      *body;        /* owned, nullable */
  gboolean       anonymous;   /* no bearer token */
  gboolean       idempotent;  /* 500 and broken connections may be retried */
  guint          timeout;     /* seconds, nonzero for a long poll */
  KsApiParseFunc parse;       /* nullable: the result is the JSON itself */
  GDestroyNotify result_free; /* for the result of @parse */
} KsApiCallSpec;

/* Takes @spec's owned members. */
void     ks_api_client_run (KsApiClient        *self,
                            KsApiCallSpec      *spec,
                            gpointer            source_tag,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data);
gpointer ks_api_client_run_finish (KsApiClient  *self,
                                   GAsyncResult *result,
                                   gpointer      source_tag,
                                   GError      **error);
/* For calls whose result only says that they worked. */
gboolean ks_api_client_run_finish_boolean (KsApiClient  *self,
                                           GAsyncResult *result,
                                           gpointer      source_tag,
                                           GError      **error);

/* The HTTP status of the last reply, 0 if none came. */
guint ks_api_client_run_get_status (GAsyncResult *result);

/* "/albums/<id>/members/<name>" from its segments, each one
 * percent-encoded, so an id or a username can never reach another path
 * or carry a query. */
GString *ks_api_path_new (const char *first,
                          ...) G_GNUC_NULL_TERMINATED;
/* @value: (nullable): then nothing is added. */
void ks_api_path_add_query (GString    *path,
                            const char *name,
                            const char *value);
/* @value: 0 adds nothing. */
void ks_api_path_add_uint (GString    *path,
                           const char *name,
                           guint       value);
/* {"<name>": "<value>", ...}: pairs, then NULL. */
JsonNode *ks_api_object_body (const char *first_name,
                              ...) G_GNUC_NULL_TERMINATED;
/* ks_api_client_run() for the usual case: takes @path and @body; POST
 * and PATCH are not idempotent. */
void ks_api_client_run_call (KsApiClient        *self,
                             const char         *method,
                             GString            *path,
                             JsonNode           *body,
                             KsApiParseFunc      parse,
                             GDestroyNotify      result_free,
                             gpointer            source_tag,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data);

G_END_DECLS
