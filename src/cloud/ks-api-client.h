/* ks-api-client.h: the Keepsake REST API v1, typed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "ks-cloud-types.h"
#include "ks-token-source.h"

G_BEGIN_DECLS

#define KS_TYPE_API_CLIENT (ks_api_client_get_type ())
G_DECLARE_FINAL_TYPE (KsApiClient, ks_api_client, KS, API_CLIENT, GObject)

/*
 * Every call is _async/_finish with a GCancellable. Behind each one:
 * - a bearer token from @tokens; a 401 asks @tokens again with the
 *   refused token (one refresh) and retries once; a second 401 is
 *   KS_CLOUD_ERROR_UNAUTHORIZED;
 * - 429, 502, 503, 504 and network errors are retried with exponential
 *   backoff and full jitter (base 250 ms, cap 30 s, at most 5 attempts
 *   by default), waiting at least what Retry-After says (seconds or an
 *   HTTP date, capped at 5 minutes); 500 is retried too for idempotent
 *   methods (GET, PUT, DELETE) and for prepare/commit, which the server
 *   makes idempotent;
 * - the reply is parsed with ks_json_parse_strict() and checked member by
 *   member: anything malformed or truncated is KS_CLOUD_ERROR_PROTOCOL;
 * - API error replies become the KsCloudError of their status with the
 *   server's message.
 */
KsApiClient *ks_api_client_new (SoupSession   *soup,
                                const char    *api_url,
                                KsTokenSource *tokens);

const char *ks_api_client_get_api_url (KsApiClient *self);

/* For tests: attempts (>= 1) and the backoff base and cap. */
void ks_api_client_set_retry_policy (KsApiClient *self,
                                     guint        max_attempts,
                                     guint        base_delay_ms,
                                     guint        max_delay_ms);

/* The generic call the typed ones are made of. @path_and_query is
 * relative to the API URL ("/albums?limit=5"); @body: (nullable).
 * Returns the reply's JSON (NULL for 204) and its status. */
void      ks_api_client_call_async (KsApiClient        *self,
                                    const char         *method,
                                    const char         *path_and_query,
                                    JsonNode           *body,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
JsonNode *ks_api_client_call_finish (KsApiClient  *self,
                                     GAsyncResult *result,
                                     guint        *out_status,
                                     GError      **error);

/* GET /v1/me */
void     ks_api_client_get_me_async (KsApiClient        *self,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data);
gboolean ks_api_client_get_me_finish (KsApiClient  *self,
                                      GAsyncResult *result,
                                      char        **out_sub,
                                      char        **out_username,
                                      GError      **error);

/* Photos */
void            ks_api_client_prepare_photo_async (KsApiClient            *self,
                                                   const KsPrepareRequest *request,
                                                   GCancellable           *cancellable,
                                                   GAsyncReadyCallback     callback,
                                                   gpointer                user_data);
KsPrepareReply *ks_api_client_prepare_photo_finish (KsApiClient  *self,
                                                    GAsyncResult *result,
                                                    GError      **error);
/* @parts: (nullable) KsPartEtag, for a multipart original */
void     ks_api_client_commit_photo_async (KsApiClient        *self,
                                           const char         *photo_id,
                                           GPtrArray          *parts,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
KsPhoto *ks_api_client_commit_photo_finish (KsApiClient  *self,
                                            GAsyncResult *result,
                                            GError      **error);
/* @cursor: (nullable); @limit 0 for the server's default */
void         ks_api_client_list_photos_async (KsApiClient        *self,
                                              const char         *cursor,
                                              guint               limit,
                                              gboolean            include_deleted,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
KsPhotoPage *ks_api_client_list_photos_finish (KsApiClient  *self,
                                               GAsyncResult *result,
                                               GError      **error);
void         ks_api_client_get_photo_async (KsApiClient        *self,
                                            const char         *photo_id,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
KsPhoto     *ks_api_client_get_photo_finish (KsApiClient  *self,
                                             GAsyncResult *result,
                                             GError      **error);
void         ks_api_client_delete_photo_async (KsApiClient        *self,
                                               const char         *photo_id,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
KsPhoto     *ks_api_client_delete_photo_finish (KsApiClient  *self,
                                                GAsyncResult *result,
                                                GError      **error);
void         ks_api_client_restore_photo_async (KsApiClient        *self,
                                                const char         *photo_id,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
KsPhoto     *ks_api_client_restore_photo_finish (KsApiClient  *self,
                                                 GAsyncResult *result,
                                                 GError      **error);

/* Albums */
void     ks_api_client_create_album_async (KsApiClient        *self,
                                           const char         *name,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
KsAlbum *ks_api_client_create_album_finish (KsApiClient  *self,
                                            GAsyncResult *result,
                                            GError      **error);
/* (transfer container): KsAlbum */
void         ks_api_client_list_albums_async (KsApiClient        *self,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray   *ks_api_client_list_albums_finish (KsApiClient  *self,
                                               GAsyncResult *result,
                                               GError      **error);
void         ks_api_client_get_album_async (KsApiClient        *self,
                                            const char         *album_id,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
KsAlbum     *ks_api_client_get_album_finish (KsApiClient  *self,
                                             GAsyncResult *result,
                                             GError      **error);
void         ks_api_client_rename_album_async (KsApiClient        *self,
                                               const char         *album_id,
                                               const char         *name,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
KsAlbum     *ks_api_client_rename_album_finish (KsApiClient  *self,
                                                GAsyncResult *result,
                                                GError      **error);
void         ks_api_client_delete_album_async (KsApiClient        *self,
                                               const char         *album_id,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean     ks_api_client_delete_album_finish (KsApiClient  *self,
                                                GAsyncResult *result,
                                                GError      **error);
void         ks_api_client_list_album_photos_async (KsApiClient        *self,
                                                    const char         *album_id,
                                                    const char         *cursor,
                                                    guint               limit,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
KsPhotoPage *ks_api_client_list_album_photos_finish (KsApiClient  *self,
                                                     GAsyncResult *result,
                                                     GError      **error);
/* One photo of the album as its listing shows it, with fresh download
 * URLs: for any member, whoever owns the photo. */
void     ks_api_client_get_album_photo_async (KsApiClient        *self,
                                              const char         *album_id,
                                              const char         *photo_id,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
KsPhoto *ks_api_client_get_album_photo_finish (KsApiClient  *self,
                                               GAsyncResult *result,
                                               GError      **error);
/* @photo_ids: NULL-terminated, 1-200 */
void     ks_api_client_add_album_photos_async (KsApiClient        *self,
                                               const char         *album_id,
                                               const char *const  *photo_ids,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean ks_api_client_add_album_photos_finish (KsApiClient  *self,
                                                GAsyncResult *result,
                                                GStrv        *out_added,
                                                GStrv        *out_already,
                                                GError      **error);
void     ks_api_client_remove_album_photo_async (KsApiClient        *self,
                                                 const char         *album_id,
                                                 const char         *photo_id,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
gboolean ks_api_client_remove_album_photo_finish (KsApiClient  *self,
                                                  GAsyncResult *result,
                                                  GError      **error);

/* Members. @role: "viewer" or "contributor". */
void       ks_api_client_list_members_async (KsApiClient        *self,
                                             const char         *album_id,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GPtrArray *ks_api_client_list_members_finish (KsApiClient  *self,
                                              GAsyncResult *result,
                                              GError      **error);
void       ks_api_client_add_member_async (KsApiClient        *self,
                                           const char         *album_id,
                                           const char         *username,
                                           const char         *role,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
KsMember  *ks_api_client_add_member_finish (KsApiClient  *self,
                                            GAsyncResult *result,
                                            GError      **error);
void       ks_api_client_set_member_role_async (KsApiClient        *self,
                                                const char         *album_id,
                                                const char         *username,
                                                const char         *role,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
KsMember  *ks_api_client_set_member_role_finish (KsApiClient  *self,
                                                 GAsyncResult *result,
                                                 GError      **error);
void       ks_api_client_remove_member_async (KsApiClient        *self,
                                              const char         *album_id,
                                              const char         *username,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
gboolean   ks_api_client_remove_member_finish (KsApiClient  *self,
                                               GAsyncResult *result,
                                               GError      **error);

/* Share links. @expires_in: seconds, 60 to 2,592,000. */
void       ks_api_client_create_link_async (KsApiClient        *self,
                                            const char         *album_id,
                                            gint64              expires_in,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
KsLink    *ks_api_client_create_link_finish (KsApiClient  *self,
                                             GAsyncResult *result,
                                             GError      **error);
void       ks_api_client_list_links_async (KsApiClient        *self,
                                           const char         *album_id,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
GPtrArray *ks_api_client_list_links_finish (KsApiClient  *self,
                                            GAsyncResult *result,
                                            GError      **error);
void       ks_api_client_revoke_link_async (KsApiClient        *self,
                                            const char         *album_id,
                                            const char         *link_id,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean   ks_api_client_revoke_link_finish (KsApiClient  *self,
                                             GAsyncResult *result,
                                             GError      **error);
/* No token is sent. */
void        ks_api_client_open_link_async (KsApiClient        *self,
                                           const char         *token,
                                           const char         *cursor,
                                           guint               limit,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
KsLinkPage *ks_api_client_open_link_finish (KsApiClient  *self,
                                            GAsyncResult *result,
                                            GError      **error);

/* GET /v1/changes. @cursor: (nullable) for the start; @wait_seconds
 * 0-60 (long poll; the request's timeout is stretched to match). */
void          ks_api_client_get_changes_async (KsApiClient        *self,
                                               const char         *cursor,
                                               guint               wait_seconds,
                                               guint               limit,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
KsChangePage *ks_api_client_get_changes_finish (KsApiClient  *self,
                                                GAsyncResult *result,
                                                GError      **error);

G_END_DECLS
