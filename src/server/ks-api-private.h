/* ks-api-private.h: what the ks-api*.c files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "ks-api.h"
#include "ks-sqlite.h"

G_BEGIN_DECLS

#define KS_API_ERROR (ks_api_error_quark ())

/* Each code is one HTTP status and one "code" of the error reply. */
typedef enum
{
  KS_API_ERROR_BAD_REQUEST,         /* 400 BadRequest */
  KS_API_ERROR_UNAUTHORIZED,        /* 401 Unauthorized */
  KS_API_ERROR_FORBIDDEN,           /* 403 Forbidden */
  KS_API_ERROR_NOT_FOUND,           /* 404 NotFound */
  KS_API_ERROR_CONFLICT,            /* 409 Conflict */
  KS_API_ERROR_GONE,                /* 410 Gone */
  KS_API_ERROR_PRECONDITION_FAILED, /* 412 PreconditionFailed */
} KsApiError;

GQuark ks_api_error_quark (void);

/* Limits; docs/api.md quotes them. Sizes in bytes, times in seconds. */
#define KS_API_PAGE_DEFAULT 50
#define KS_API_PAGE_MAX 200
#define KS_API_CHANGES_PAGE 500
#define KS_API_CHANGES_MAX_WAIT 60
#define KS_API_NAME_MAX_CHARS 200
#define KS_API_FILE_NAME_MAX_CHARS 255
#define KS_API_USERNAME_MAX_CHARS 128
#define KS_API_ADD_PHOTOS_MAX 200
#define KS_API_MULTIPART_THRESHOLD ((gint64) 64 * 1024 * 1024)
#define KS_API_PART_SIZE ((gint64) 16 * 1024 * 1024)
#define KS_API_MAX_PARTS 4096
#define KS_API_MAX_ORIGINAL_SIZE (KS_API_PART_SIZE * KS_API_MAX_PARTS)
#define KS_API_MAX_THUMB_SIZE ((gint64) 16 * 1024 * 1024)
#define KS_API_MAX_DIMENSION 1000000
#define KS_API_UPLOAD_EXPIRY (15 * 60)
#define KS_API_LINK_MIN_LIFETIME 60
#define KS_API_LINK_MAX_LIFETIME (30 * 24 * 60 * 60)
#define KS_API_LINK_TOKEN_BYTES 32

typedef enum
{
  KS_API_ROLE_NONE,
  KS_API_ROLE_VIEWER,
  KS_API_ROLE_CONTRIBUTOR,
  KS_API_ROLE_OWNER,
} KsApiRole;

typedef struct _KsApi       KsApi;
typedef struct _KsApiWriter KsApiWriter;

/* The module's state; everything runs on the server's main thread. */
struct _KsApi
{
  KsServer    *server;      /* unowned: the routes own the module */
  sqlite3     *db;          /* unowned: the server's connection */
  GHashTable  *stmts;       /* SQL text → prepared statement, owned */
  GHashTable  *identities;  /* hex SHA-256 of a token → KsApiIdentity */
  GHashTable  *known_users; /* subs whose api_users row exists */
  GHashTable  *waiters;     /* sub → GQueue of change-feed waiters */
  GHashTable  *wake;        /* nullable: subs to wake at COMMIT */
  KsApiWriter *writer;      /* nullable: the prepares' (ks-api-writer.c) */

  GMainContext       *context; /* owned: the thread-default one of ks_api_register() */
  KsApiCleanupOptions cleanup;
  guint               download_url_lifetime; /* seconds */
  GSource            *sweep_source;          /* owned, nullable */
};

/* One request, as the handlers see it. */
typedef struct
{
  KsApi             *api;
  SoupServerMessage *msg;
  GHashTable        *params;   /* path captures, decoded */
  GHashTable        *query;    /* never NULL */
  const char        *sub;      /* NULL on the public route */
  const char        *username; /* NULL on the public route */
  gint64             now;      /* Unix time, seconds */
} KsApiRequest;

/*
 * Returns the reply body with *status set (it starts as 200), or NULL
 * with @error set. NULL without an error is a reply without a body
 * (*status 204) or, with *status KS_API_PAUSED, a request the handler
 * answered itself or paused to answer later.
 */
typedef JsonNode *(*KsApiHandler) (KsApiRequest *req,
                                   guint        *status,
                                   GError      **error);

#define KS_API_PAUSED 0

/* ks-api.c */
KsApi *ks_api_get (KsServer *server);
KsApi *ks_api_ref (KsApi *api);
void   ks_api_unref (KsApi *api);
void   ks_api_respond (SoupServerMessage *msg,
                       guint              status,
                       JsonNode          *node,
                       const GError      *error);
/* The HTTP status ks_api_respond() gives @error (500 for any but
 * KS_API_ERROR). */
guint ks_api_error_status (const GError *error);

/* A request answered later, from a callback: its message is paused, and
 * forgotten (@msg NULL) if the client goes meanwhile. */
typedef struct
{
  SoupServerMessage *msg; /* owned; NULL once the client is gone */
  gulong             disconnected_id;
} KsApiPaused;

void ks_api_paused_init (KsApiPaused       *self,
                         SoupServerMessage *msg);
void ks_api_paused_respond (KsApiPaused  *self,
                            guint         status,
                            JsonNode     *node,
                            const GError *error);
void ks_api_paused_respond_json_bytes (KsApiPaused *self,
                                       guint        status,
                                       GBytes      *json);
void ks_api_paused_clear (KsApiPaused *self);

/* ks-api-db.c: statements are prepared once and kept; g_autoptr resets
 * one when it goes out of scope. Do not use one statement twice at once. */
typedef sqlite3_stmt KsApiStmt;

KsApiStmt  *ks_api_stmt (KsApi      *api,
                         const char *sql,
                         GError    **error);
KsApiStmt  *ks_api_stmt_on (sqlite3    *db,
                            GHashTable *stmts,
                            const char *sql,
                            GError    **error);
int         ks_api_step_on (sqlite3   *db,
                            KsApiStmt *stmt,
                            GError   **error);
void        ks_api_stmt_release (KsApiStmt *stmt);
int         ks_api_step (KsApi     *api,
                         KsApiStmt *stmt,
                         GError   **error);
gboolean    ks_api_step_done (KsApi     *api,
                              KsApiStmt *stmt,
                              GError   **error);
const char *ks_api_column_text (KsApiStmt *stmt,
                                int        column);
void        ks_api_set_db_error (KsApi   *api,
                                 int      rc,
                                 GError **error);
void        ks_api_clear_statements (KsApi *api);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsApiStmt, ks_api_stmt_release)

/* BEGIN IMMEDIATE … COMMIT; freeing an uncommitted one rolls it back.
 * Change-feed waiters are woken only after a COMMIT. */
typedef struct _KsApiTransaction KsApiTransaction;

KsApiTransaction *ks_api_transaction_begin (KsApi   *api,
                                            GError **error);
gboolean          ks_api_transaction_commit (KsApiTransaction *txn,
                                             GError          **error);
void              ks_api_transaction_free (KsApiTransaction *txn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsApiTransaction, ks_api_transaction_free)

/*
 * Group commit (ks-api-writer.c): prepares are queued as writes, which a
 * thread with its own connection runs in one transaction with the others
 * queued meanwhile; each is answered only after that COMMIT. Every other
 * writer flushes first (ks_api_transaction_begin() does, and route_cb()
 * does before any other route), so the main connection never writes
 * beside it and reads what it committed.
 */
typedef struct _KsApiWrite KsApiWrite;

typedef struct
{
  /* On the writer thread, in the batch's transaction. FALSE with @error
   * set fails this write only (its statement is undone). */
  gboolean (*run) (KsApiWrite  *write,
                   KsApiWriter *writer,
                   GError     **error);
  /* On the main loop, once committed (@error NULL) or not: answers @msg. */
  void (*finish) (KsApiWrite        *write,
                  KsApi             *api,
                  SoupServerMessage *msg,
                  const GError      *error);
  void (*free) (KsApiWrite *write);
} KsApiWriteVTable;

struct _KsApiWrite
{
  const KsApiWriteVTable *vtable;

  /* ks-api-writer.c's: */
  KsApiPaused paused;
  GError     *error;
};

gboolean   ks_api_writer_start (KsApi   *api,
                                GError **error);
void       ks_api_writer_stop (KsApi *api);
void       ks_api_batch_push (KsApi             *api,
                              SoupServerMessage *msg,
                              KsApiWrite        *write);
void       ks_api_batch_flush (KsApi *api);
KsApiStmt *ks_api_writer_stmt (KsApiWriter *writer,
                               const char  *sql,
                               GError     **error);
int        ks_api_writer_step (KsApiWriter *writer,
                               KsApiStmt   *stmt,
                               GError     **error);

/* ks-api-validate.c: request checks; errors are KS_API_ERROR_BAD_REQUEST. */
JsonObject *ks_api_parse_body (KsApiRequest      *req,
                               const char *const *allowed,
                               gboolean           optional,
                               GError           **error);
gboolean    ks_api_check_query (KsApiRequest      *req,
                                const char *const *allowed,
                                GError           **error);
gboolean    ks_api_query_int (KsApiRequest *req,
                              const char   *name,
                              gint64        min,
                              gint64        max,
                              gint64       *inout,
                              GError      **error);
gboolean    ks_api_query_bool (KsApiRequest *req,
                               const char   *name,
                               gboolean     *inout,
                               GError      **error);
gboolean    ks_api_query_cursor (KsApiRequest *req,
                                 gint64       *out,
                                 GError      **error);
const char *ks_api_param_id (KsApiRequest *req,
                             const char   *name,
                             GError      **error);
gboolean    ks_api_get_string (JsonObject  *object,
                               const char  *name,
                               gboolean     required,
                               const char **out,
                               GError     **error);
gboolean    ks_api_get_int (JsonObject *object,
                            const char *name,
                            gboolean    required,
                            gint64      min,
                            gint64      max,
                            gint64     *out,
                            GError    **error);
gboolean    ks_api_get_array (JsonObject *object,
                              const char *name,
                              gboolean    required,
                              guint       max_len,
                              JsonArray **out,
                              GError    **error);
gboolean    ks_api_get_role (JsonObject *object,
                             const char *name,
                             KsApiRole  *out,
                             GError    **error);
gboolean    ks_api_check_id (const char *id,
                             const char *what,
                             GError    **error);
gboolean    ks_api_check_text (const char *text,
                               const char *what,
                               guint       max_chars,
                               GError    **error);
gboolean    ks_api_check_username (const char *username,
                                   GError    **error);
gboolean    ks_api_check_sha256 (const char *hex,
                                 const char *what,
                                 GError    **error);
gboolean    ks_api_check_rfc3339 (const char *text,
                                  const char *what,
                                  GError    **error);
gboolean    ks_api_check_content_type (const char *text,
                                       GError    **error);

/* ks-api-repr.c: what replies are made of */
char       *ks_api_format_time (gint64 unix_time);
void        ks_api_set_time (JsonObject *object,
                             const char *name,
                             gint64      unix_time);
void        ks_api_set_nullable_time (JsonObject *object,
                                      KsApiStmt  *stmt,
                                      int         column,
                                      const char *name);
const char *ks_api_role_to_string (KsApiRole role);
KsApiRole   ks_api_role_from_string (const char *text);
JsonNode   *ks_api_object_node (JsonObject *object);
JsonNode   *ks_api_list_node (const char *name,
                              JsonArray  *items,
                              gint64      next_cursor);
char       *ks_api_original_key (const char *owner,
                                 const char *photo_id);
char       *ks_api_thumb_key (const char *owner,
                              const char *photo_id,
                              const char *name);
char       *ks_api_new_id (void);

/* A photo row: SELECT KS_API_PHOTO_COLUMNS FROM photos p ... */
#define KS_API_PHOTO_COLUMNS                                         \
  "p.id, p.owner, p.sha256, p.size, p.content_type, p.file_name, "   \
  "p.taken_at, p.width, p.height, p.grid_size, p.grid_sha256, "      \
  "p.preview_size, p.preview_sha256, p.created_at, p.committed_at, " \
  "p.deleted_at, p.list_seq"

/* Their indexes; a query's own columns follow, from KS_API_PHOTO_N_COLUMNS. */
enum
{
  KS_API_PHOTO_COL_ID,
  KS_API_PHOTO_COL_OWNER,
  KS_API_PHOTO_COL_SHA256,
  KS_API_PHOTO_COL_SIZE,
  KS_API_PHOTO_COL_CONTENT_TYPE,
  KS_API_PHOTO_COL_FILE_NAME,
  KS_API_PHOTO_COL_TAKEN_AT,
  KS_API_PHOTO_COL_WIDTH,
  KS_API_PHOTO_COL_HEIGHT,
  KS_API_PHOTO_COL_GRID_SIZE, /* then its SHA-256, then the preview's two */
  KS_API_PHOTO_COL_GRID_SHA256,
  KS_API_PHOTO_COL_PREVIEW_SIZE,
  KS_API_PHOTO_COL_PREVIEW_SHA256,
  KS_API_PHOTO_COL_CREATED_AT,
  KS_API_PHOTO_COL_COMMITTED_AT,
  KS_API_PHOTO_COL_DELETED_AT,
  KS_API_PHOTO_COL_LIST_SEQ,
  KS_API_PHOTO_N_COLUMNS
};

/* What a reply shows of a photo: id, content type, size in pixels and
 * taken_at always; the rest to those who may see it. */
typedef enum
{
  KS_API_PHOTO_DETAILS = 1 << 0, /* size, hashes, file name, thumbnails */
  KS_API_PHOTO_PRIVATE = 1 << 1, /* the owner's: created, committed, deleted */
  KS_API_PHOTO_URL_ORIGINAL = 1 << 2,
  KS_API_PHOTO_URL_THUMBS = 1 << 3,
} KsApiPhotoFlags;

#define KS_API_PHOTO_OWNER_VIEW                                              \
  (KS_API_PHOTO_DETAILS | KS_API_PHOTO_PRIVATE | KS_API_PHOTO_URL_ORIGINAL | \
   KS_API_PHOTO_URL_THUMBS)
#define KS_API_PHOTO_MEMBER_VIEW \
  (KS_API_PHOTO_DETAILS | KS_API_PHOTO_URL_ORIGINAL | KS_API_PHOTO_URL_THUMBS)

JsonObject *ks_api_photo_from_row (KsApiRequest   *req,
                                   KsApiStmt      *stmt,
                                   KsApiPhotoFlags flags);
gint64      ks_api_photo_row_list_seq (KsApiStmt *stmt);

/* ks-api-events.c: the change feed's writing side; inside a transaction. */
typedef enum
{
  KS_API_AUDIENCE_ME,    /* the caller only */
  KS_API_AUDIENCE_ALBUM, /* the album's owner and members */
  KS_API_AUDIENCE_PHOTO, /* the caller and everyone in an album with it */
} KsApiAudience;

typedef struct
{
  const char *type;
  const char *album_id; /* nullable */
  const char *photo_id; /* nullable */
  const char *member;   /* nullable: a sub */
  const char *role;     /* nullable */
  const char *name;     /* nullable */
} KsApiEvent;

gint64 ks_api_event_emit (KsApiRequest     *req,
                          const KsApiEvent *event,
                          KsApiAudience     audience,
                          const char       *also_to,
                          GError          **error);

/* ks-api-changes.c */
JsonNode *ks_api_changes_get (KsApiRequest *req,
                              guint        *status,
                              GError      **error);
void      ks_api_changes_wake (KsApi      *api,
                               GHashTable *subs);
void      ks_api_changes_clear (KsApi *api);

/* ks-api-sweep.c */
void ks_api_sweep_configure (KsApi                     *api,
                             const KsApiCleanupOptions *options);
void ks_api_sweep_stop (KsApi *api);

/* ks-api-photos.c */
JsonNode *ks_api_photos_prepare (KsApiRequest *req,
                                 guint        *status,
                                 GError      **error);
JsonNode *ks_api_photos_commit (KsApiRequest *req,
                                guint        *status,
                                GError      **error);

/* ks-api-photos-read.c */
JsonNode *ks_api_me_get (KsApiRequest *req,
                         guint        *status,
                         GError      **error);
JsonNode *ks_api_photos_list (KsApiRequest *req,
                              guint        *status,
                              GError      **error);
JsonNode *ks_api_photos_get (KsApiRequest *req,
                             guint        *status,
                             GError      **error);
JsonNode *ks_api_photos_delete (KsApiRequest *req,
                                guint        *status,
                                GError      **error);
JsonNode *ks_api_photos_restore (KsApiRequest *req,
                                 guint        *status,
                                 GError      **error);

/* ks-api-albums.c */
typedef struct
{
  char     *id;
  char     *owner; /* sub */
  KsApiRole role;  /* the caller's */
} KsApiAlbum;

void     ks_api_album_clear (KsApiAlbum *album);
gboolean ks_api_album_lookup (KsApiRequest *req,
                              const char   *param,
                              KsApiRole     min_role,
                              KsApiAlbum   *out,
                              GError      **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KsApiAlbum, ks_api_album_clear)

JsonNode *ks_api_albums_create (KsApiRequest *req,
                                guint        *status,
                                GError      **error);
JsonNode *ks_api_albums_list (KsApiRequest *req,
                              guint        *status,
                              GError      **error);
JsonNode *ks_api_albums_get (KsApiRequest *req,
                             guint        *status,
                             GError      **error);
JsonNode *ks_api_albums_rename (KsApiRequest *req,
                                guint        *status,
                                GError      **error);
JsonNode *ks_api_albums_delete (KsApiRequest *req,
                                guint        *status,
                                GError      **error);

/* ks-api-album-photos.c */
JsonNode *ks_api_album_photos_list (KsApiRequest *req,
                                    guint        *status,
                                    GError      **error);
JsonNode *ks_api_album_photos_get (KsApiRequest *req,
                                   guint        *status,
                                   GError      **error);
JsonNode *ks_api_album_photos_add (KsApiRequest *req,
                                   guint        *status,
                                   GError      **error);
JsonNode *ks_api_album_photos_remove (KsApiRequest *req,
                                      guint        *status,
                                      GError      **error);

/* ks-api-members.c */
JsonNode *ks_api_members_list (KsApiRequest *req,
                               guint        *status,
                               GError      **error);
JsonNode *ks_api_members_add (KsApiRequest *req,
                              guint        *status,
                              GError      **error);
JsonNode *ks_api_members_update (KsApiRequest *req,
                                 guint        *status,
                                 GError      **error);
JsonNode *ks_api_members_remove (KsApiRequest *req,
                                 guint        *status,
                                 GError      **error);

/* ks-api-links.c */
JsonNode *ks_api_links_create (KsApiRequest *req,
                               guint        *status,
                               GError      **error);
JsonNode *ks_api_links_list (KsApiRequest *req,
                             guint        *status,
                             GError      **error);
JsonNode *ks_api_links_revoke (KsApiRequest *req,
                               guint        *status,
                               GError      **error);
JsonNode *ks_api_links_open (KsApiRequest *req,
                             guint        *status,
                             GError      **error);

/* ks-api-link-page.c: GET /v1/links/{token} for a browser */
gboolean ks_api_link_page_wanted (SoupServerMessage *msg);
/* Answers with the page of @reply (what the route gives the apps), or
 * of @error when it is set. */
void ks_api_link_page_respond (SoupServerMessage *msg,
                               JsonNode          *reply,
                               const GError      *error);

G_END_DECLS
