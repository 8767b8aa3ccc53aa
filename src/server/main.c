/* main.c: keepsake-server's command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib-unix.h>

#include "ks-api.h"
#include "ks-server.h"
#include "ks-server-bucket.h"
#include "ks-server-error.h"
#include "ks-server-urls.h"

/* Used when --listen is not given; any free port would do, but a fixed
 * one lets `credentials` and clients know the URL without asking. */
#define DEFAULT_LISTEN "127.0.0.1:8357"

typedef struct
{
  char    *data_dir;
  char    *listen;
  char    *public_url; /* normalized after parsing */
  char    *region;
  gboolean auto_confirm;
  char    *user_pool_url;
  char    *client_id;
  char    *s3_bucket;
  char    *s3_endpoint;
  char    *s3_region;
  gboolean version;
  char   **command;
  char    *sweep_interval;
  char    *pending_lifetime;
  char    *deleted_retention;
  char    *download_url_lifetime;

  KsApiCleanupOptions cleanup;              /* parsed from the three above */
  guint               download_url_seconds; /* parsed from the one above */
} Options;

static void
options_clear (Options *options)
{
  g_free (options->data_dir);
  g_free (options->listen);
  g_free (options->public_url);
  g_free (options->region);
  g_free (options->user_pool_url);
  g_free (options->client_id);
  g_free (options->s3_bucket);
  g_free (options->s3_endpoint);
  g_free (options->s3_region);
  g_strfreev (options->command);
  g_free (options->sweep_interval);
  g_free (options->pending_lifetime);
  g_free (options->deleted_retention);
  g_free (options->download_url_lifetime);
}

static GOptionContext *
options_context_new (Options *options)
{
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &options->data_dir,
      "Where the server keeps its state (default: $XDG_DATA_HOME/keepsake-server)", "DIR" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &options->listen,
      "Address and port to listen on; port 0 picks one (default: " DEFAULT_LISTEN ")",
      "HOST:PORT" },
    { "public-url", 0, 0, G_OPTION_ARG_STRING, &options->public_url,
      "URL clients reach the server at, e.g. behind a reverse proxy (default: the listening URL)",
      "URL" },
    { "region", 0, 0, G_OPTION_ARG_STRING, &options->region,
      "AWS region name for a new data directory (default: " KS_SERVER_DEFAULT_REGION ")",
      "REGION" },
    { "auto-confirm", 0, 0, G_OPTION_ARG_NONE, &options->auto_confirm,
      "Confirm sign-ups without a code; an e-mail address is then optional", NULL },
    { "cognito-user-pool", 0, 0, G_OPTION_ARG_STRING, &options->user_pool_url,
      "Trust the tokens of this Amazon Cognito user pool, "
      "https://cognito-idp.REGION.amazonaws.com/POOL_ID, instead of the built-in sign-in service",
      "URL" },
    { "cognito-client-id", 0, 0, G_OPTION_ARG_STRING, &options->client_id,
      "The user pool's app client the desktop app signs in with (with --cognito-user-pool)", "ID" },
    { "s3-bucket", 0, 0, G_OPTION_ARG_STRING, &options->s3_bucket,
      "Keep the photos in this Amazon S3 bucket instead of the built-in store; keys from "
      "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or else the "
      "container's role (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI), or else the "
      "EC2 instance's role (IMDSv2; AWS_EC2_METADATA_DISABLED=true turns it off)",
      "NAME" },
    { "s3-region", 0, 0, G_OPTION_ARG_STRING, &options->s3_region,
      "The bucket's region (default: AWS_REGION, or AWS_DEFAULT_REGION)", "REGION" },
    { "s3-endpoint", 0, 0, G_OPTION_ARG_STRING, &options->s3_endpoint,
      "An S3-compatible service holding the bucket, addressed path-style (default: Amazon S3)",
      "URL" },
    { "sweep-interval", 0, 0, G_OPTION_ARG_STRING, &options->sweep_interval,
      "How often to remove abandoned uploads and old deleted photos; 0 never (default: 1h)",
      "DURATION" },
    { "pending-lifetime", 0, 0, G_OPTION_ARG_STRING, &options->pending_lifetime,
      "Remove a photo never committed this long after its last prepare, at least 1h (default: 24h)",
      "DURATION" },
    { "deleted-retention", 0, 0, G_OPTION_ARG_STRING, &options->deleted_retention,
      "Purge a deleted photo and its bytes this long after its deletion (default: 30d)",
      "DURATION" },
    { "download-url-lifetime", 0, 0, G_OPTION_ARG_STRING, &options->download_url_lifetime,
      "How long the photo download URLs in replies stay valid, 1s to 7d (default: 1h)",
      "DURATION" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &options->version,
      "Print the version and exit", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->command, NULL, NULL },
    { NULL }
  };
  GOptionContext *context = g_option_context_new ("[credentials]");

  g_option_context_set_summary (context,
                                "Serves the Keepsake API with a built-in Cognito-compatible "
                                "sign-in service and S3-compatible photo store. With "
                                "--cognito-user-pool, users sign in to that Amazon Cognito "
                                "user pool instead; with --s3-bucket, photos are kept in "
                                "that bucket.\n\n"
                                "With “credentials”, prints the S3 store's endpoint and keys "
                                "as JSON and exits.");
  g_option_context_add_main_entries (context, entries, NULL);

  return context;
}

/* "90", "90s", "15m", "24h", "30d": seconds, from 0 to 10 years. */
static gboolean
parse_duration (const char *name,
                const char *text,
                gint64      fallback,
                gint64     *out,
                GError    **error)
{
  static const struct
  {
    char   unit;
    gint64 seconds;
  } units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 60 * 60 }, { 'd', 24 * 60 * 60 } };
  g_autofree char *number = NULL;
  gint64           scale = 1;
  guint64          value = 0;
  gsize            len;

  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }

  len = strlen (text);
  for (guint i = 0; len > 1 && i < G_N_ELEMENTS (units); i++)
    {
      if (text[len - 1] == units[i].unit)
        {
          scale = units[i].seconds;
          len--;
        }
    }
  number = g_strndup (text, len);
  if (!g_ascii_string_to_unsigned (number, 10, 0, G_GINT64_CONSTANT (10) * 366 * 24 * 60 * 60 / scale,
                                   &value, NULL))
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                   "--%s wants a duration such as 3600, 90m, 24h or 30d, not “%s”", name, text);
      return FALSE;
    }

  *out = (gint64) value * scale;
  return TRUE;
}

static gboolean
parse_cleanup (Options *options,
               GError **error)
{
  KsApiCleanupOptions *cleanup = &options->cleanup;
  gint64               interval = 0;

  if (!parse_duration ("sweep-interval", options->sweep_interval, KS_API_CLEANUP_INTERVAL,
                       &interval, error) ||
      !parse_duration ("pending-lifetime", options->pending_lifetime,
                       KS_API_CLEANUP_PENDING_LIFETIME, &cleanup->pending_lifetime, error) ||
      !parse_duration ("deleted-retention", options->deleted_retention,
                       KS_API_CLEANUP_DELETED_RETENTION, &cleanup->deleted_retention, error))
    return FALSE;

  /* Upload URLs live 15 minutes from a prepare: leave clients time. */
  if (cleanup->pending_lifetime < 60 * 60)
    {
      g_set_error_literal (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                           "--pending-lifetime must be at least 1h");
      return FALSE;
    }

  cleanup->interval = (guint) MIN (interval, G_MAXUINT);
  return TRUE;
}

static gboolean
parse_download_url_lifetime (Options *options,
                             GError **error)
{
  gint64 seconds = 0;

  if (!parse_duration ("download-url-lifetime", options->download_url_lifetime,
                       KS_API_DOWNLOAD_URL_LIFETIME, &seconds, error))
    return FALSE;

  /* SigV4 refuses presigned URLs that claim to live longer. */
  if (seconds < 1 || seconds > KS_API_DOWNLOAD_URL_MAX_LIFETIME)
    {
      g_set_error_literal (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                           "--download-url-lifetime must be from 1s to 7d");
      return FALSE;
    }

  options->download_url_seconds = (guint) seconds;
  return TRUE;
}

static gboolean
check_user_pool_options (Options *options,
                         GError **error)
{
  if ((options->user_pool_url == NULL) != (options->client_id == NULL))
    {
      g_set_error_literal (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                           "--cognito-user-pool and --cognito-client-id go together");
      return FALSE;
    }
  if (options->user_pool_url != NULL && options->auto_confirm)
    {
      g_set_error_literal (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                           "--auto-confirm is for the built-in sign-in service; "
                           "a Cognito user pool confirms sign-ups itself");
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_bucket_options (Options *options,
                      GError **error)
{
  if (options->s3_bucket == NULL && (options->s3_region != NULL || options->s3_endpoint != NULL))
    {
      g_set_error_literal (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                           "--s3-region and --s3-endpoint need --s3-bucket");
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_options (Options *options,
               int     *argc,
               char  ***argv,
               GError **error)
{
  g_autoptr (GOptionContext) context = options_context_new (options);
  g_autofree char *public_url = NULL;

  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (options->data_dir == NULL)
    options->data_dir = g_build_filename (g_get_user_data_dir (), "keepsake-server", NULL);
  if (options->listen == NULL)
    options->listen = g_strdup (DEFAULT_LISTEN);
  if (!parse_cleanup (options, error) || !parse_download_url_lifetime (options, error) ||
      !check_user_pool_options (options, error) || !check_bucket_options (options, error))
    return FALSE;

  if (options->public_url != NULL)
    {
      public_url = ks_server_urls_normalize_public (options->public_url, error);
      if (public_url == NULL)
        return FALSE;
      g_free (options->public_url);
      options->public_url = g_steal_pointer (&public_url);
    }

  return TRUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

/* The bucket, with keys found as AWS's tools find them: the
 * environment's, else the container's role, else the EC2 instance's;
 * and checked: a bucket that cannot be used stops the start. */
static KsServerBucket *
open_bucket (Options *options,
             GError **error)
{
  const char        *region = options->s3_region;
  KsSigv4Credentials creds = { 0 };
  g_autoptr (KsServerBucket) bucket = NULL;
  g_autoptr (KsServerRoleKeys) role_keys = NULL;
  g_autoptr (GError) role_error = NULL;

  if (region == NULL)
    region = g_getenv ("AWS_REGION");
  if (region == NULL)
    region = g_getenv ("AWS_DEFAULT_REGION");

  creds.access_key_id = g_getenv ("AWS_ACCESS_KEY_ID");
  creds.secret_access_key = g_getenv ("AWS_SECRET_ACCESS_KEY");
  creds.session_token = g_getenv ("AWS_SESSION_TOKEN");
  if (creds.session_token != NULL && *creds.session_token == '\0')
    creds.session_token = NULL;
  creds.region = region;
  creds.service = "s3";

  if (creds.access_key_id == NULL || *creds.access_key_id == '\0')
    {
      role_keys = ks_server_role_keys_new_from_environment (&role_error);
      if (role_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&role_error));
          return NULL;
        }
    }

  if (role_keys != NULL)
    bucket = ks_server_bucket_new_with_role (options->s3_endpoint, options->s3_bucket, region, role_keys, NULL,
                                             error);
  else
    bucket = ks_server_bucket_new (options->s3_endpoint, options->s3_bucket, &creds, error);
  if (bucket == NULL || !ks_server_bucket_check (bucket, NULL, error))
    return NULL;

  return g_steal_pointer (&bucket);
}

static KsServer *
start_server (Options        *options,
              GSocketAddress *address,
              GError        **error)
{
  g_autoptr (KsServerDataDir) data_dir = NULL;
  g_autoptr (KsServerDb) db = NULL;
  g_autoptr (KsServerUserPool) user_pool = NULL;
  g_autoptr (KsServerBucket) bucket = NULL;
  g_autoptr (KsServer) server = NULL;

  if (options->s3_bucket != NULL && (bucket = open_bucket (options, error)) == NULL)
    return NULL;

  if (options->user_pool_url != NULL)
    {
      user_pool = ks_server_user_pool_new (options->user_pool_url, options->client_id, error);
      if (user_pool == NULL || !ks_server_user_pool_load_keys (user_pool, NULL, error))
        return NULL;
    }

  data_dir = ks_server_data_dir_open (options->data_dir, options->region, error);
  if (data_dir == NULL || !ks_server_data_dir_lock (data_dir, error))
    return NULL;

  db = ks_server_db_open (ks_server_data_dir_get_db_path (data_dir), error);
  if (db == NULL)
    return NULL;

  server = ks_server_new_full (data_dir, db, user_pool, bucket);
  ks_server_set_public_url (server, options->public_url);
  ks_server_set_auto_confirm (server, options->auto_confirm);
  ks_api_set_cleanup (server, &options->cleanup);
  ks_api_set_download_url_lifetime (server, options->download_url_seconds);
  if (!ks_server_listen (server, address, error))
    return NULL;

  return g_steal_pointer (&server);
}

static gboolean
run_server (Options *options,
            GError **error)
{
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (KsServer) server = NULL;
  guint sigint_id;
  guint sigterm_id;

  address = ks_server_parse_address (options->listen, error);
  if (address == NULL)
    return FALSE;

  /* A file size limit (ulimit -f) reached fails that write, as a full
   * disk does, instead of ending the server. */
  signal (SIGXFSZ, SIG_IGN);

  /* Before the "listening" line: whoever reads it may signal at once. */
  sigint_id = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_cb, loop);

  server = start_server (options, address, error);
  if (server != NULL)
    {
      /* Scripts and tests wait for exactly this line. */
      g_print ("keepsake-server listening on %s\n", ks_server_get_listen_url (server));
      fflush (stdout);
      g_main_loop_run (loop);
      ks_server_disconnect (server);
    }

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  return server != NULL;
}

static char *
credentials_public_url (Options *options,
                        GError **error)
{
  g_autoptr (GSocketAddress) address = NULL;

  if (options->public_url != NULL)
    return g_strdup (options->public_url);

  address = ks_server_parse_address (options->listen, error);
  if (address == NULL)
    return NULL;

  if (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) == 0)
    {
      g_set_error_literal (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                           "with port 0 the endpoint is unknown; pass --public-url");
      return NULL;
    }

  return ks_server_address_to_url (address);
}

static void
print_credentials (KsServerDataDir *data_dir,
                   const char      *public_url)
{
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *endpoint = ks_server_urls_s3 (public_url);
  g_autofree char *text = NULL;

  json_object_set_string_member (object, "endpoint", endpoint);
  json_object_set_string_member (object, "region", ks_server_data_dir_get_region (data_dir));
  json_object_set_string_member (object, "bucket", ks_server_data_dir_get_bucket (data_dir));
  json_object_set_string_member (object, "access_key_id",
                                 ks_server_data_dir_get_access_key_id (data_dir));
  json_object_set_string_member (object, "secret_access_key",
                                 ks_server_data_dir_get_secret_access_key (data_dir));
  /* Buckets are addressed as {endpoint}/{bucket}/{key}, see ks-server-urls.h. */
  json_object_set_boolean_member (object, "path_style", TRUE);

  root = json_node_init_object (json_node_alloc (), object);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* Works while the server runs: it only reads (or, on a fresh data
 * directory, creates) the files, never the database. */
static gboolean
run_credentials (Options *options,
                 GError **error)
{
  g_autoptr (KsServerDataDir) data_dir = NULL;
  g_autofree char *public_url = credentials_public_url (options, error);

  if (public_url == NULL)
    return FALSE;
  if (options->s3_bucket != NULL)
    {
      g_set_error_literal (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                           "with --s3-bucket there is no built-in store to print the keys of");
      return FALSE;
    }

  data_dir = ks_server_data_dir_open (options->data_dir, options->region, error);
  if (data_dir == NULL)
    return FALSE;

  print_credentials (data_dir, public_url);
  return TRUE;
}

static gboolean
run (Options *options,
     GError **error)
{
  const char *command = options->command != NULL ? options->command[0] : NULL;

  if (options->version)
    {
      g_print ("keepsake-server %s\n", PACKAGE_VERSION);
      return TRUE;
    }

  if (command == NULL)
    return run_server (options, error);
  if (g_str_equal (command, "credentials") && options->command[1] == NULL)
    return run_credentials (options, error);

  g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
               "unknown command “%s” (try --help)", command);
  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  Options  options = { 0 };
  gboolean ok;

  setlocale (LC_ALL, "");
  g_set_prgname ("keepsake-server");

  /* Everything the server creates holds keys, tokens or private photos. */
  umask (0077);

  ok = parse_options (&options, &argc, &argv, &error) && run (&options, &error);
  options_clear (&options);

  if (!ok)
    {
      g_printerr ("keepsake-server: %s\n", error->message);
      return 1;
    }

  return 0;
}
