/* ks-cloud-types.h: plain data the client library hands around
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ks-password-policy.h"

G_BEGIN_DECLS

/* What GET /.well-known/keepsake.json says (docs/api.md), plus the app
 * client's secret when the user configured one (never in discovery). */
typedef struct
{
  char *api_url; /* "https://host/v1", no trailing slash */
  char *cognito_endpoint;
  char *region;
  char *user_pool_id;
  char *client_id;
  char *client_secret; /* nullable */
  /* nullable: what a new password needs, when the server says (its
   * built-in service does; an outside pool's is not known) */
  KsPasswordPolicy *password_policy;
} KsServerInfo;

KsServerInfo *ks_server_info_copy (const KsServerInfo *self);
void          ks_server_info_free (KsServerInfo *self);
/* Strict: every member present and a string, URLs absolute http(s);
 * cognito.password_policy may be absent, but not malformed. */
KsServerInfo *ks_server_info_new_from_json (JsonNode *root,
                                            GError  **error);

/* What a Cognito sign-in or refresh returns. Secrets: never logged,
 * wiped on free. */
typedef struct
{
  char  *id_token;
  char  *access_token;
  char  *refresh_token; /* NULL after REFRESH_TOKEN_AUTH */
  gint64 expires_in;    /* seconds, as Cognito said */
  gint64 obtained_at;   /* g_get_real_time () when received, µs */
} KsTokens;

KsTokens *ks_tokens_copy (const KsTokens *self);
void      ks_tokens_free (KsTokens *self);

/* --- API v1 objects (docs/api.md). Members the reply leaves out are
 * NULL or -1. All parsers are strict: a wrong type is
 * KS_CLOUD_ERROR_PROTOCOL; unknown members are ignored so a newer server
 * still works. */

typedef struct
{
  char  *name; /* "grid", "preview" */
  gint64 size;
  char  *sha256; /* lower-case hex */
} KsThumbnailInfo;

KsThumbnailInfo *ks_thumbnail_info_new (const char *name,
                                        gint64      size,
                                        const char *sha256);
void             ks_thumbnail_info_free (KsThumbnailInfo *self);

typedef struct
{
  char      *id;
  char      *content_type;
  gint64     width;
  gint64     height;
  char      *taken_at; /* nullable, as the uploader sent it */
  char      *sha256;
  gint64     size;
  char      *file_name;
  GPtrArray *thumbnails;   /* KsThumbnailInfo, never NULL */
  char      *created_at;   /* owner only */
  char      *committed_at; /* owner only */
  char      *deleted_at;   /* owner only; NULL if not deleted */
  char      *url_original; /* presigned GETs, nullable */
  char      *url_grid;
  char      *url_preview;
  char      *urls_expire_at;
  char      *owner; /* album listings only */
  char      *added_by;
  char      *added_at;
} KsPhoto;

KsPhoto *ks_photo_new_from_json (JsonObject *object,
                                 GError    **error);
void     ks_photo_free (KsPhoto *self);

typedef struct
{
  char  *id;
  char  *name;
  char  *owner; /* username */
  char  *role;  /* "owner", "contributor", "viewer": the caller's */
  gint64 photo_count;
  char  *created_at;
  char  *updated_at;
} KsAlbum;

KsAlbum *ks_album_new_from_json (JsonObject *object,
                                 GError    **error);
void     ks_album_free (KsAlbum *self);

typedef struct
{
  char *username;
  char *role;
  char *added_at;
} KsMember;

KsMember *ks_member_new_from_json (JsonObject *object,
                                   GError    **error);
void      ks_member_free (KsMember *self);

typedef struct
{
  char    *id;
  char    *token; /* only when just created */
  char    *url;   /* only when just created */
  char    *created_at;
  char    *expires_at;
  gboolean expired;
} KsLink;

KsLink *ks_link_new_from_json (JsonObject *object,
                               GError    **error);
void    ks_link_free (KsLink *self);

typedef struct
{
  gint64 seq;
  char  *type;     /* "photo_added", ... */
  char  *album_id; /* nullable */
  char  *photo_id; /* nullable */
  char  *member;   /* nullable */
  char  *role;     /* nullable */
  char  *name;     /* nullable */
  char  *actor;
  char  *at;
} KsEvent;

KsEvent *ks_event_new_from_json (JsonObject *object,
                                 GError    **error);
void     ks_event_free (KsEvent *self);

typedef struct
{
  GPtrArray *photos; /* KsPhoto */
  char      *cursor; /* NULL on the last page */
} KsPhotoPage;

void ks_photo_page_free (KsPhotoPage *self);

typedef struct
{
  GPtrArray *events; /* KsEvent */
  char      *cursor; /* the last seq, as a string */
  gboolean   more;
} KsChangePage;

void ks_change_page_free (KsChangePage *self);

/* GET /v1/links/{token}: only id, content_type, width, height, taken_at
 * and the grid/preview URLs of each photo are set. */
typedef struct
{
  char      *album_name;
  char      *link_expires_at;
  GPtrArray *photos; /* KsPhoto */
  char      *cursor;
} KsLinkPage;

void ks_link_page_free (KsLinkPage *self);

/* --- Uploads: POST /v1/photos/prepare and its reply. */

typedef struct
{
  char      *sha256;
  gint64     size;
  char      *content_type;
  char      *file_name;
  char      *taken_at; /* nullable */
  gint64     width;
  gint64     height;
  GPtrArray *thumbnails; /* KsThumbnailInfo, never NULL, may be empty */
} KsPrepareRequest;

KsPrepareRequest *ks_prepare_request_new (void);
KsPrepareRequest *ks_prepare_request_copy (const KsPrepareRequest *self);
void              ks_prepare_request_free (KsPrepareRequest *self);
JsonNode         *ks_prepare_request_to_json (const KsPrepareRequest *self);

typedef struct
{
  int    part_number; /* 1-based */
  gint64 size;
  char  *url;
} KsUploadPart;

void ks_upload_part_free (KsUploadPart *self);

/* One entry of prepare's "uploads": either a single PUT (@url and
 * @headers) or a multipart upload (@upload_id, @parts, @complete_url). */
typedef struct
{
  char       *target;    /* "original", "grid", "preview" */
  char       *url;       /* single PUT, else NULL */
  GHashTable *headers;   /* single PUT: name -> value, else NULL */
  char       *upload_id; /* multipart, else NULL */
  gint64      part_size;
  GPtrArray  *parts;        /* KsUploadPart, multipart only */
  char       *complete_url; /* multipart only, POST */
} KsUploadTarget;

void ks_upload_target_free (KsUploadTarget *self);

typedef struct
{
  gboolean   exists;     /* "status": "exists": no bytes to send */
  KsPhoto   *photo;      /* when @exists */
  char      *photo_id;   /* when uploading */
  char      *expires_at; /* when the URLs expire */
  GPtrArray *uploads;    /* KsUploadTarget, when uploading */
} KsPrepareReply;

KsPrepareReply *ks_prepare_reply_new_from_json (JsonNode *root,
                                                GError  **error);
void            ks_prepare_reply_free (KsPrepareReply *self);

typedef struct
{
  int   part_number;
  char *etag;
} KsPartEtag;

KsPartEtag *ks_part_etag_new (int         part_number,
                              const char *etag);
void        ks_part_etag_free (KsPartEtag *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsServerInfo, ks_server_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsTokens, ks_tokens_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsThumbnailInfo, ks_thumbnail_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsPhoto, ks_photo_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsAlbum, ks_album_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsMember, ks_member_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsLink, ks_link_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsEvent, ks_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsPhotoPage, ks_photo_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsChangePage, ks_change_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsLinkPage, ks_link_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsPrepareRequest, ks_prepare_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsPrepareReply, ks_prepare_reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsPartEtag, ks_part_etag_free)

G_END_DECLS
