/* ks-cli.h: what the keepsake-cli commands share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "config.h"

#include <glib/gi18n.h>

#include "ks-api-client.h"
#include "ks-cloud-error.h"
#include "ks-profile.h"
#include "ks-rate-limiter.h"
#include "ks-session.h"
#include "ks-token-store.h"

G_BEGIN_DECLS

/* Exit codes, documented in docs/cli.md: scripts rely on them. */
typedef enum
{
  KS_CLI_EXIT_OK = 0,
  KS_CLI_EXIT_FAILURE = 1,
  KS_CLI_EXIT_USAGE = 2,
  KS_CLI_EXIT_AUTH = 3,
  KS_CLI_EXIT_NETWORK = 4,
  KS_CLI_EXIT_PARTIAL = 5,
  KS_CLI_EXIT_INTERRUPTED = 130,
} KsCliExit;

#define KS_CLI_ERROR (ks_cli_error_quark ())

/**
 * KsCliError:
 * @KS_CLI_ERROR_FAILED: anything not below
 * @KS_CLI_ERROR_USAGE: bad command line (exit code 2)
 * @KS_CLI_ERROR_NOT_FOUND: no album or photo by that name
 * @KS_CLI_ERROR_AMBIGUOUS: several albums or photos by that name
 */
typedef enum
{
  KS_CLI_ERROR_FAILED,
  KS_CLI_ERROR_USAGE,
  KS_CLI_ERROR_NOT_FOUND,
  KS_CLI_ERROR_AMBIGUOUS,
} KsCliError;

GQuark ks_cli_error_quark (void);

/* One run of the program: global options and what commands connect. */
typedef struct
{
  char          *profile_name;    /* owned */
  char          *token_store_opt; /* owned, nullable: --token-store */
  gboolean       json;
  GCancellable  *cancellable;    /* owned: cancelled by SIGINT/SIGTERM */
  char          *config_dir;     /* owned, nullable: the default */
  KsProfile     *profile;        /* owned, nullable until loaded */
  SoupSession   *soup;           /* owned, nullable until needed */
  KsTokenStore  *store;          /* owned, nullable until needed */
  KsSession     *session;        /* owned, nullable until connected */
  KsApiClient   *api;            /* owned, nullable until connected */
  char          *limit_rate_opt; /* owned, nullable: --limit-rate */
  KsRateLimiter *limiter;        /* owned, nullable: no limit */
} KsCli;

typedef struct _KsCliCommand
{
  const char *name; /* "upload", "album create" */
  const char *parameters;
  const char *summary;
  int (*run) (KsCli                      *cli,
              const struct _KsCliCommand *command,
              int                         argc,
              char                      **argv);
} KsCliCommand;

/* ks-cli-context.c */
void          ks_cli_clear (KsCli *cli);
SoupSession  *ks_cli_get_soup (KsCli *cli);
gboolean      ks_cli_parse_token_store (const char       *text,
                                        KsTokenStoreKind *out_kind,
                                        GError          **error);
KsProfile    *ks_cli_load_profile (KsCli   *cli,
                                   GError **error);
KsTokenStore *ks_cli_get_token_store (KsCli   *cli,
                                      GError **error);
/* Loads the profile, restores the signed-in user's session, makes the
 * API client. Not signed in: KS_CLOUD_ERROR_NOT_SIGNED_IN. */
gboolean ks_cli_connect (KsCli   *cli,
                         GError **error);
/* For login and logout: the profile's session and an API client over
 * it, without restoring anyone. */
KsSession *ks_cli_new_session (KsCli   *cli,
                               GError **error);
/* Runs the thread-default main context until *@result is set by
 * ks_cli_store_result_cb. */
void ks_cli_wait (GAsyncResult **result);
void ks_cli_store_result_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data);

/* ks-cli-options.c: each command's own option parsing. On FALSE the
 * command returns *out_exit (help printed, or a usage error). */
gboolean ks_cli_parse_command (KsCli              *cli,
                               const KsCliCommand *command,
                               const GOptionEntry *entries,
                               int                *argc,
                               char             ***argv,
                               int                 min_args,
                               int                 max_args,
                               int                *out_exit);
int      ks_cli_usage_error (const KsCliCommand *command,
                             const char         *format,
                             ...) G_GNUC_PRINTF (2, 3);
gboolean ks_cli_parse_rate (const char *text,
                            guint64    *out_bytes_per_second,
                            GError    **error);
gboolean ks_cli_parse_duration (const char *text,
                                gint64     *out_seconds,
                                GError    **error);

/* ks-cli-output.c */
int   ks_cli_exit_code_for_error (const GError *error);
char *ks_cli_error_sentence (const GError *error);
/* Prints the error as one sentence on stderr; returns its exit code. */
int  ks_cli_fail (const GError *error);
void ks_cli_fail_item (const char   *item,
                       const GError *error);
void ks_cli_print_json (JsonNode *node);
/* Aligned columns: @rows holds GStrv, the first row is the header. */
void        ks_cli_print_table (GPtrArray *rows);
JsonNode   *ks_cli_album_to_json (const KsAlbum *album);
JsonNode   *ks_cli_member_to_json (const KsMember *member);
JsonNode   *ks_cli_link_to_json (const KsLink *link);
JsonNode   *ks_cli_photo_to_json (const KsPhoto     *photo,
                                  const char *const *album_ids);
JsonObject *ks_cli_json_root (JsonNode **out_node);

/* ks-cli-password.c: one line from stdin, or a prompt on the terminal
 * without echo (twice when @confirm). Wiped when freed. */
char *ks_cli_read_password (gboolean      from_stdin,
                            gboolean      confirm,
                            GCancellable *cancellable,
                            GError      **error);
void  ks_cli_password_free (char *password);

/* ks-cli-progress.c: a line on stderr redrawn in place, only on a TTY. */
typedef struct _KsCliProgress KsCliProgress;

KsCliProgress *ks_cli_progress_new (const char *label);
void           ks_cli_progress_update (goffset  done,
                                       goffset  total,
                                       gpointer user_data);
void           ks_cli_progress_free (KsCliProgress *self);

/* ks-cli-resolve.c: albums and photos named on the command line */
/* (transfer container): KsAlbum, freeing them */
GPtrArray *ks_cli_list_albums (KsCli   *cli,
                               GError **error);
KsAlbum   *ks_cli_find_album (KsCli      *cli,
                              const char *name_or_id,
                              GError    **error);
/* (transfer container): KsPhoto, all pages */
GPtrArray *ks_cli_list_own_photos (KsCli   *cli,
                                   GError **error);
GPtrArray *ks_cli_list_album_photos (KsCli      *cli,
                                     const char *album_id,
                                     GError    **error);
/* Photo id -> GPtrArray of album ids, over every album the caller sees. */
GHashTable *ks_cli_map_photo_albums (KsCli   *cli,
                                     GError **error);
/* By id, SHA-256 or file name, among @photos. */
KsPhoto *ks_cli_match_photo (GPtrArray  *photos,
                             const char *spec,
                             GError    **error);

/* ks-cli-albums.c: all of @ids (char *), 200 a request; *@out_result:
 * (nullable) {"added": [...], "already_in_album": [...]}. */
gboolean ks_cli_add_to_album (KsCli      *cli,
                              const char *album_id,
                              GPtrArray  *ids,
                              JsonNode  **out_result,
                              GError    **error);

/* The commands, one file per group. */
int ks_cli_cmd_server_add (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_signup (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_confirm (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_login (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_logout (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_whoami (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_albums (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_album_create (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_album_add (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_share (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_unshare (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_members (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_link_create (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_ls (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_upload (KsCli *cli, const KsCliCommand *command, int argc, char **argv);
int ks_cli_cmd_download (KsCli *cli, const KsCliCommand *command, int argc, char **argv);

typedef char KsCliPassword;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCliPassword, ks_cli_password_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCliProgress, ks_cli_progress_free)

G_END_DECLS
