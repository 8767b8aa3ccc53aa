/* ks-server-bucket.c: an S3 bucket outside the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-host.h"
#include "ks-s3-presign.h"
#include "ks-s3-xml.h"
#include "ks-server-bucket.h"
#include "ks-server-error.h"
#include "ks-server-role-keys.h"
#include "ks-server-urls.h"

/*
 * Clients send and fetch the bytes themselves through presigned URLs, as
 * with the built-in store; the server only signs those URLs and asks the
 * bucket, from worker threads, what a commit must know (HeadObject, or
 * the object read through when S3 has no SHA-256 of it), and to create,
 * complete and abort multipart uploads and delete what the sweep
 * removes. Requests are signed in the Authorization header (SigV4).
 *
 * One SoupSession serves every thread: libsoup 3.2 sends from any thread
 * (each keeps its own connections).
 *
 * Temporary keys from a container's or an instance's role are fetched
 * again five minutes before they expire (as AWS's SDKs do; halfway for
 * keys that live less than ten minutes), on a worker; the keys and the
 * presigner made with them are swapped under a lock, so a request or URL
 * is signed with one set or the other, never half of each.
 */

#define TIMEOUT_SECONDS 60
#define MAX_ANSWER_SIZE (1024 * 1024)
#define REFRESH_MARGIN_SECONDS (5 * 60)
#define REFRESH_RETRY_SECONDS 30

struct _KsServerBucket
{
  GObject parent_instance;

  char        *name;
  char        *region;
  char        *endpoint;
  char        *url;  /* ends in "/" */
  char        *host; /* the Host header */
  char        *path; /* URI-encoded path of @url, ends in "/" */
  SoupSession *soup;

  GMutex         keys_lock; /* the next two */
  KsServerKeys  *keys;
  KsS3Presigner *presigner;

  KsServerRoleKeys *role_keys; /* nullable: the keys do not change */
  GCancellable     *refresh_cancellable;
  guint             refresh_source;
};

G_DEFINE_FINAL_TYPE (KsServerBucket, ks_server_bucket, G_TYPE_OBJECT)

static void
ks_server_bucket_finalize (GObject *object)
{
  KsServerBucket *self = KS_SERVER_BUCKET (object);

  g_free (self->name);
  g_free (self->region);
  g_free (self->endpoint);
  g_free (self->url);
  g_free (self->host);
  g_free (self->path);
  ks_server_keys_free (self->keys);
  ks_s3_presigner_free (self->presigner);
  g_mutex_clear (&self->keys_lock);
  g_clear_object (&self->soup);
  g_clear_object (&self->role_keys);
  g_clear_object (&self->refresh_cancellable);

  G_OBJECT_CLASS (ks_server_bucket_parent_class)->finalize (object);
}

static void
ks_server_bucket_dispose (GObject *object)
{
  KsServerBucket *self = KS_SERVER_BUCKET (object);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->refresh_cancellable != NULL)
    g_cancellable_cancel (self->refresh_cancellable);

  G_OBJECT_CLASS (ks_server_bucket_parent_class)->dispose (object);
}

static void
ks_server_bucket_class_init (KsServerBucketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_server_bucket_dispose;
  object_class->finalize = ks_server_bucket_finalize;
}

static void
ks_server_bucket_init (KsServerBucket *self)
{
  g_mutex_init (&self->keys_lock);
}

/* S3's rules for new bucket names: 3 to 63 lower-case letters, digits,
 * dots and hyphens, a letter or digit at each end. */
static gboolean
is_valid_bucket_name (const char *name)
{
  gsize len = strlen (name);

  if (len < 3 || len > 63 || !g_ascii_isalnum (name[0]) || !g_ascii_isalnum (name[len - 1]))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '.' && *p != '-')
        return FALSE;
    }

  return TRUE;
}

static gboolean
is_valid_region (const char *region)
{
  if (region == NULL || *region == '\0' || strlen (region) > 64)
    return FALSE;
  for (const char *p = region; *p != '\0'; p++)
    {
      if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
        return FALSE;
    }

  return TRUE;
}

/* The Host header libsoup would send for @uri, which is what is signed. */
static char *
host_header (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);
  int         port = g_uri_get_port (uri);
  gboolean    ipv6 = strchr (host, ':') != NULL;

  if (port == -1 || (g_str_equal (scheme, "http") && port == 80) ||
      (g_str_equal (scheme, "https") && port == 443))
    return ipv6 ? g_strdup_printf ("[%s]", host) : g_strdup (host);

  return ipv6 ? g_strdup_printf ("[%s]:%d", host, port) : g_strdup_printf ("%s:%d", host, port);
}

static gboolean
set_urls (KsServerBucket *self,
          const char     *endpoint,
          GError        **error)
{
  g_autoptr (GUri) uri = NULL;

  if (endpoint != NULL)
    {
      self->endpoint = ks_server_urls_normalize ("--s3-endpoint URL", endpoint, error);
      if (self->endpoint == NULL)
        return FALSE;
      uri = g_uri_parse (self->endpoint, G_URI_FLAGS_ENCODED, NULL);
      if (g_str_equal (g_uri_get_scheme (uri), "http") && !ks_host_is_loopback (g_uri_get_host (uri)))
        return ks_server_fail_argument (error, "--s3-endpoint must use https unless the store runs on this machine");
      self->url = g_strconcat (self->endpoint, "/", self->name, "/", NULL);
      g_clear_pointer (&uri, g_uri_unref);
    }
  else
    {
      self->endpoint = g_strdup_printf ("https://s3.%s.amazonaws.com", self->region);
      /* A dot would not match the wildcard certificate. */
      if (strchr (self->name, '.') != NULL)
        self->url = g_strconcat (self->endpoint, "/", self->name, "/", NULL);
      else
        self->url = g_strdup_printf ("https://%s.s3.%s.amazonaws.com/", self->name, self->region);
    }

  uri = g_uri_parse (self->url, G_URI_FLAGS_ENCODED, NULL);
  self->host = host_header (uri);
  self->path = g_strdup (g_uri_get_path (uri));

  /* A store on this machine is reached directly, whatever the proxy. */
  if (ks_host_is_loopback (g_uri_get_host (uri)))
    soup_session_set_proxy_resolver (self->soup, NULL);

  return TRUE;
}

/*
 * The keys requests and URLs are signed with from now on, and a
 * presigner made with them, swapped in together under the lock: the
 * first ones, and each set fetched from the role. Thread-safe.
 */
static gboolean
set_keys (KsServerBucket     *self,
          const KsServerKeys *given)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (KsS3Presigner) presigner = NULL;
  KsServerKeys      *keys = g_new0 (KsServerKeys, 1);
  KsSigv4Credentials creds = { .access_key_id = given->access_key_id,
                               .secret_access_key = given->secret_access_key,
                               .session_token = given->session_token,
                               .region = self->region,
                               .service = "s3" };

  presigner = ks_s3_presigner_new (&creds);
  if (!ks_s3_presigner_set_bucket_url (presigner, self->url))
    {
      ks_server_keys_free (keys);
      return FALSE;
    }
  keys->access_key_id = g_strdup (given->access_key_id);
  keys->secret_access_key = g_strdup (given->secret_access_key);
  keys->session_token = g_strdup (given->session_token);
  keys->expiration = given->expiration;

  locker = g_mutex_locker_new (&self->keys_lock);
  ks_server_keys_free (self->keys);
  self->keys = keys;
  ks_s3_presigner_free (self->presigner);
  self->presigner = g_steal_pointer (&presigner);
  return TRUE;
}

/* The checks and set-up both constructors share. */
static KsServerBucket *
bucket_new (const char         *endpoint,
            const char         *bucket,
            const char         *region,
            const KsServerKeys *keys,
            GError            **error)
{
  g_autoptr (KsServerBucket) self = NULL;

  if (!is_valid_bucket_name (bucket))
    {
      ks_server_fail_argument (error, "--s3-bucket wants a bucket's name (3 to 63 lower-case letters, "
                                      "digits, dots and hyphens), not “%s”",
                               bucket);
      return NULL;
    }
  if (!is_valid_region (region))
    {
      ks_server_fail_argument (error, "the bucket's region (--s3-region, or AWS_REGION) is missing or not a region: “%s”",
                               region != NULL ? region : "");
      return NULL;
    }
  if (keys->access_key_id == NULL || *keys->access_key_id == '\0' ||
      keys->secret_access_key == NULL || *keys->secret_access_key == '\0')
    {
      ks_server_fail_argument (error, "the bucket's keys are missing: set AWS_ACCESS_KEY_ID and "
                                      "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), "
                                      "or run where a role gives them: a container's "
                                      "(AWS_CONTAINER_CREDENTIALS_FULL_URI) or an EC2 instance's "
                                      "(unless AWS_EC2_METADATA_DISABLED is true)");
      return NULL;
    }

  self = g_object_new (KS_TYPE_SERVER_BUCKET, NULL);
  self->name = g_strdup (bucket);
  self->region = g_strdup (region);
  self->soup = soup_session_new_with_options ("timeout", TIMEOUT_SECONDS,
                                              "user-agent", "keepsake-server/" PACKAGE_VERSION,
                                              NULL);
  if (!set_urls (self, endpoint, error))
    return NULL;
  if (!set_keys (self, keys))
    {
      ks_server_fail_argument (error, "bucket %s cannot be addressed at %s", self->name, self->url);
      return NULL;
    }

  return g_steal_pointer (&self);
}

KsServerBucket *
ks_server_bucket_new (const char               *endpoint,
                      const char               *bucket,
                      const KsSigv4Credentials *creds,
                      GError                  **error)
{
  KsServerKeys keys = { 0 };

  g_return_val_if_fail (bucket != NULL, NULL);
  g_return_val_if_fail (creds != NULL, NULL);

  keys.access_key_id = (char *) creds->access_key_id;
  keys.secret_access_key = (char *) creds->secret_access_key;
  keys.session_token = (char *) creds->session_token;
  return bucket_new (endpoint, bucket, creds->region, &keys, error);
}

const char *
ks_server_bucket_get_name (KsServerBucket *self)
{
  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), NULL);

  return self->name;
}

const char *
ks_server_bucket_get_region (KsServerBucket *self)
{
  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), NULL);

  return self->region;
}

const char *
ks_server_bucket_get_endpoint (KsServerBucket *self)
{
  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), NULL);

  return self->endpoint;
}

/* A URL signed with temporary keys dies with them, whatever it says
 * (S3 answers ExpiredToken): never promise more. Under the keys' lock. */
static guint
capped_lifetime (KsServerBucket *self,
                 guint           wanted,
                 gint64          now_unix)
{
  gint64 left;

  if (self->keys->expiration == 0)
    return wanted;

  left = self->keys->expiration - now_unix;
  return (guint) CLAMP (left, 1, (gint64) wanted);
}

char *
ks_server_bucket_presign (KsServerBucket           *self,
                          const char               *method,
                          const char               *key,
                          guint                     expires_seconds,
                          const KsS3PresignOptions *options,
                          gint64                    now_unix)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), NULL);

  locker = g_mutex_locker_new (&self->keys_lock);
  return ks_s3_presigner_sign (self->presigner, method, key, capped_lifetime (self, expires_seconds, now_unix), options,
                               now_unix);
}

guint
ks_server_bucket_url_lifetime (KsServerBucket *self,
                               guint           wanted,
                               gint64          now_unix)
{
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), wanted);

  locker = g_mutex_locker_new (&self->keys_lock);
  return capped_lifetime (self, wanted, now_unix);
}

/* ---- Keys that change ---- */

static void schedule_refresh (KsServerBucket *self,
                              guint           seconds);

static void
fetch_keys_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  KsServerBucket *self = source_object;
  GError         *error = NULL;
  KsServerKeys   *keys = ks_server_role_keys_fetch (self->role_keys, cancellable, &error);

  if (keys == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, keys, (GDestroyNotify) ks_server_keys_free);
}

/* When to fetch keys that expire at @expiration again: five minutes
 * before, or halfway for keys that live less than ten. */
static guint
refresh_delay (gint64 expiration)
{
  gint64 left = expiration - g_get_real_time () / G_USEC_PER_SEC;
  gint64 delay = left - MIN (REFRESH_MARGIN_SECONDS, left / 2);

  return (guint) CLAMP (delay, 1, G_MAXINT);
}

static void
keys_fetched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KsServerBucket *self = KS_SERVER_BUCKET (source);
  g_autoptr (KsServerKeys) keys = NULL;
  g_autoptr (GError) error = NULL;

  keys = g_task_propagate_pointer (G_TASK (result), &error);
  /* Disposed meanwhile. */
  if (g_cancellable_is_cancelled (self->refresh_cancellable))
    return;
  if (keys == NULL)
    {
      /* The ones in use may still be good for a few minutes. */
      g_warning ("%s; trying again in %u s", error->message, REFRESH_RETRY_SECONDS);
      schedule_refresh (self, REFRESH_RETRY_SECONDS);
      return;
    }

  /* The same URL as the first keys'. */
  if (!set_keys (self, keys))
    g_return_if_reached ();
  g_debug ("New keys for bucket %s from %s", self->name, ks_server_role_keys_get_url (self->role_keys));
  if (keys->expiration != 0)
    schedule_refresh (self, refresh_delay (keys->expiration));
}

static gboolean
refresh_cb (gpointer user_data)
{
  KsServerBucket *self = user_data;
  g_autoptr (GTask) task = g_task_new (self, self->refresh_cancellable, keys_fetched_cb, NULL);

  self->refresh_source = 0;
  g_task_run_in_thread (task, fetch_keys_thread);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (KsServerBucket *self,
                  guint           seconds)
{
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  self->refresh_source = g_timeout_add_seconds (seconds, refresh_cb, self);
}

KsServerBucket *
ks_server_bucket_new_with_role (const char       *endpoint,
                                const char       *bucket,
                                const char       *region,
                                KsServerRoleKeys *role_keys,
                                GCancellable     *cancellable,
                                GError          **error)
{
  g_autoptr (KsServerBucket) self = NULL;
  g_autoptr (KsServerKeys) keys = NULL;

  g_return_val_if_fail (bucket != NULL, NULL);
  g_return_val_if_fail (KS_IS_SERVER_ROLE_KEYS (role_keys), NULL);

  keys = ks_server_role_keys_fetch (role_keys, cancellable, error);
  if (keys == NULL)
    return NULL;

  self = bucket_new (endpoint, bucket, region, keys, error);
  if (self == NULL)
    return NULL;

  self->role_keys = g_object_ref (role_keys);
  self->refresh_cancellable = g_cancellable_new ();
  if (keys->expiration != 0)
    schedule_refresh (self, refresh_delay (keys->expiration));

  return g_steal_pointer (&self);
}

/* ---- Signed requests ---- */

/*
 * A request for @key (NULL: the bucket itself) with @query (URI-encoded,
 * nullable) and @body (nullable), signed with every header it has.
 * @headers: (nullable): more headers, name and value pairs, NULL-ended.
 */
static SoupMessage *
signed_message (KsServerBucket    *self,
                const char        *method,
                const char        *key,
                const char        *query,
                GBytes            *body,
                const char *const *headers)
{
  g_autofree char *encoded_key = key != NULL ? ks_uri_encode (key, FALSE) : g_strdup ("");
  g_autofree char *path = g_strconcat (self->path, encoded_key, NULL);
  g_autofree char *url = g_strconcat (self->url, encoded_key, query != NULL ? "?" : "", query, NULL);
  g_autofree char *payload_hash = NULL;
  g_autofree char *authorization = NULL;
  g_autoptr (KsSigv4Request) req = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  /* The keys, their token and the signature from one set: no network
   * while this is held. */
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->keys_lock);
  SoupMessageHeaders *request_headers;
  KsSigv4Credentials  creds = { .access_key_id = self->keys->access_key_id,
                                .secret_access_key = self->keys->secret_access_key,
                                .session_token = self->keys->session_token,
                                .region = self->region,
                                .service = "s3" };

  g_return_val_if_fail (msg != NULL, NULL);
  req = ks_sigv4_request_new_from_target (method, path, query, NULL);
  g_return_val_if_fail (req != NULL, NULL);

  request_headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (request_headers, "Host", self->host);
  ks_sigv4_request_add_header (req, "host", self->host);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    {
      soup_message_headers_replace (request_headers, headers[i], headers[i + 1]);
      ks_sigv4_request_add_header (req, headers[i], headers[i + 1]);
    }

  if (body != NULL)
    {
      gsize         size = 0;
      gconstpointer data = g_bytes_get_data (body, &size);

      payload_hash = ks_sha256_hex (data, size);
      soup_message_set_request_body_from_bytes (msg, "application/xml", body);
      ks_sigv4_request_add_header (req, "content-type", "application/xml");
    }
  ks_sigv4_request_set_payload_hash (req, payload_hash != NULL ? payload_hash : KS_SIGV4_EMPTY_SHA256);
  authorization = ks_sigv4_sign_request (req, &creds, now, KS_SIGV4_FLAVOR_S3);

  soup_message_headers_replace (request_headers, "x-amz-date", ks_sigv4_request_get_header (req, "x-amz-date"));
  soup_message_headers_replace (request_headers, "x-amz-content-sha256",
                                ks_sigv4_request_get_header (req, "x-amz-content-sha256"));
  if (self->keys->session_token != NULL)
    soup_message_headers_replace (request_headers, "x-amz-security-token", self->keys->session_token);
  soup_message_headers_replace (request_headers, "Authorization", authorization);

  return g_steal_pointer (&msg);
}

/* S3's refusal in @body (an <Error>), as ks-server-bucket.h promises. */
static void
set_answer_error (KsServerBucket *self,
                  SoupMessage    *msg,
                  GBytes         *body,
                  GError        **error)
{
  guint            status = soup_message_get_status (msg);
  gsize            size = 0;
  const char      *data = body != NULL ? g_bytes_get_data (body, &size) : NULL;
  g_autofree char *code = data != NULL ? ks_s3_xml_find_text (data, size, "Code") : NULL;
  g_autofree char *message = data != NULL ? ks_s3_xml_find_text (data, size, "Message") : NULL;
  GIOErrorEnum     error_code = G_IO_ERROR_FAILED;

  if (g_strcmp0 (code, "NoSuchKey") == 0 || g_strcmp0 (code, "NoSuchUpload") == 0 ||
      (code == NULL && status == SOUP_STATUS_NOT_FOUND))
    error_code = G_IO_ERROR_NOT_FOUND;
  else if (g_strcmp0 (code, "InvalidPart") == 0 || g_strcmp0 (code, "InvalidPartOrder") == 0)
    error_code = G_IO_ERROR_INVALID_DATA;
  else if (g_strcmp0 (code, "EntityTooSmall") == 0 || g_strcmp0 (code, "EntityTooLarge") == 0)
    error_code = G_IO_ERROR_INVALID_ARGUMENT;

  g_set_error (error, G_IO_ERROR, error_code, "bucket %s answered %u %s%s%s%s%s", self->name, status,
               code != NULL ? code : soup_message_get_reason_phrase (msg),
               message != NULL ? " (" : "", message != NULL ? message : "", message != NULL ? ")" : "",
               code == NULL && status == SOUP_STATUS_NOT_FOUND ? ": no such object" : "");
}

/*
 * Sends @msg and reads the answer; any status but 2xx is an error.
 * Returns: (transfer full) (nullable): the answer's body
 */
static GBytes *
send (KsServerBucket *self,
      SoupMessage    *msg,
      GCancellable   *cancellable,
      GError        **error)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) local_error = NULL;

  body = soup_session_send_and_read (self->soup, msg, cancellable, &local_error);
  if (body == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "cannot reach bucket %s at %s: %s",
                   self->name, self->url, local_error->message);
      return NULL;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      set_answer_error (self, msg, body, error);
      return NULL;
    }

  return g_steal_pointer (&body);
}

/* As send(), with no such object (or upload) fine: what removes it. */
static gboolean
send_removal (KsServerBucket *self,
              SoupMessage    *msg,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) local_error = NULL;

  body = send (self, msg, cancellable, &local_error);
  if (body != NULL || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return TRUE;

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* ---- Starting ---- */

gboolean
ks_server_bucket_check (KsServerBucket *self,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *region;

  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), FALSE);

  msg = signed_message (self, SOUP_METHOD_HEAD, NULL, NULL, NULL, NULL);
  body = send (self, msg, cancellable, &local_error);
  if (body != NULL)
    return TRUE;

  /* S3 names a bucket's region in every answer about it. */
  region = soup_message_headers_get_one (soup_message_get_response_headers (msg), "x-amz-bucket-region");
  if (region != NULL && !g_str_equal (region, self->region))
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_FAILED,
                 "bucket %s is in region %s, not %s: pass --s3-region %s", self->name, region,
                 self->region, region);
  else if (soup_message_get_status (msg) == SOUP_STATUS_NOT_FOUND)
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_FAILED, "there is no bucket %s at %s",
                 self->name, self->endpoint);
  else if (soup_message_get_status (msg) == SOUP_STATUS_FORBIDDEN)
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_FAILED,
                 "the keys given may not use bucket %s at %s (403 Forbidden)", self->name, self->endpoint);
  else if (soup_message_get_status (msg) == SOUP_STATUS_BAD_REQUEST)
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_FAILED,
                 "bucket %s at %s refused the request (400 Bad Request): is it in region %s?",
                 self->name, self->endpoint, self->region);
  else
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_FAILED, "%s", local_error->message);

  return FALSE;
}

/* ---- Objects ---- */

/* S3's base64 SHA-256 of a whole object as hex; NULL for a multipart
 * upload's checksum of checksums ("…-3"). */
static char *
checksum_to_hex (const char *base64)
{
  gsize              len = 0;
  g_autofree guint8 *digest = NULL;

  if (base64 == NULL || strchr (base64, '-') != NULL)
    return NULL;
  digest = ks_base64_decode (base64, &len, NULL);
  if (digest == NULL || len != KS_SHA256_LEN)
    return NULL;

  return ks_hex_encode (digest, len);
}

gboolean
ks_server_bucket_head (KsServerBucket *self,
                       const char     *key,
                       KsS3ObjectInfo *out,
                       GCancellable   *cancellable,
                       GError        **error)
{
  static const char *const headers[] = { "x-amz-checksum-mode", "ENABLED", NULL };
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GDateTime) modified = NULL;
  SoupMessageHeaders *answer;

  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), FALSE);
  g_return_val_if_fail (key != NULL && out != NULL, FALSE);

  msg = signed_message (self, SOUP_METHOD_HEAD, key, NULL, NULL, headers);
  body = send (self, msg, cancellable, error);
  if (body == NULL)
    return FALSE;

  answer = soup_message_get_response_headers (msg);
  out->size = (guint64) soup_message_headers_get_content_length (answer);
  out->etag = g_strdup (soup_message_headers_get_one (answer, "ETag"));
  out->sha256 = checksum_to_hex (soup_message_headers_get_one (answer, "x-amz-checksum-sha256"));
  modified = soup_date_time_new_from_http_string (soup_message_headers_get_one (answer, "Last-Modified"));
  out->mtime_unix = modified != NULL ? g_date_time_to_unix (modified) : 0;
  return TRUE;
}

char *
ks_server_bucket_digest (KsServerBucket *self,
                         const char     *key,
                         guint64        *out_size,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GError) local_error = NULL;
  char *sha256;

  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  msg = signed_message (self, SOUP_METHOD_GET, key, NULL, NULL, NULL);
  stream = soup_session_send (self->soup, msg, cancellable, &local_error);
  if (stream == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code, "cannot reach bucket %s at %s: %s",
                   self->name, self->url, local_error->message);
      return NULL;
    }
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_autoptr (GBytes) body = g_input_stream_read_bytes (stream, MAX_ANSWER_SIZE, cancellable, NULL);

      set_answer_error (self, msg, body, error);
      return NULL;
    }

  sha256 = ks_sha256_stream (stream, out_size, cancellable, &local_error);
  if (sha256 == NULL)
    g_set_error (error, local_error->domain, local_error->code, "cannot read %s from bucket %s: %s",
                 key, self->name, local_error->message);
  return sha256;
}

gboolean
ks_server_bucket_delete (KsServerBucket *self,
                         const char     *key,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autoptr (SoupMessage) msg = NULL;

  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  msg = signed_message (self, SOUP_METHOD_DELETE, key, NULL, NULL, NULL);
  return send_removal (self, msg, cancellable, error);
}

char *
ks_server_bucket_create_multipart (KsServerBucket *self,
                                   const char     *key,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;
  gsize       size = 0;
  const char *data;
  char       *upload_id;

  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  msg = signed_message (self, SOUP_METHOD_POST, key, "uploads=", NULL, NULL);
  body = send (self, msg, cancellable, error);
  if (body == NULL)
    return NULL;

  data = g_bytes_get_data (body, &size);
  upload_id = data != NULL ? ks_s3_xml_find_text (data, size, "UploadId") : NULL;
  if (upload_id == NULL || *upload_id == '\0')
    {
      g_free (upload_id);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "bucket %s answered CreateMultipartUpload without an upload id", self->name);
      return NULL;
    }

  return upload_id;
}

static char *
upload_query (const char *upload_id)
{
  g_autofree char *encoded = ks_uri_encode (upload_id, TRUE);

  return g_strconcat ("uploadId=", encoded, NULL);
}

gboolean
ks_server_bucket_complete_multipart (KsServerBucket *self,
                                     const char     *key,
                                     const char     *upload_id,
                                     GPtrArray      *parts,
                                     GCancellable   *cancellable,
                                     GError        **error)
{
  g_autofree char *query = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) request = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autofree char *code = NULL;
  GString         *xml;
  gsize            size = 0;
  const char      *data;

  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), FALSE);
  g_return_val_if_fail (key != NULL && upload_id != NULL && parts != NULL, FALSE);

  xml = ks_s3_xml_begin ("CompleteMultipartUpload");
  for (guint i = 0; i < parts->len; i++)
    {
      KsS3CompletePart *part = g_ptr_array_index (parts, i);

      ks_s3_xml_open (xml, "Part");
      ks_s3_xml_add_uint (xml, "PartNumber", part->part_number);
      ks_s3_xml_add (xml, "ETag", part->etag);
      ks_s3_xml_close (xml, "Part");
    }
  ks_s3_xml_close (xml, "CompleteMultipartUpload");
  request = g_string_free_to_bytes (xml);

  query = upload_query (upload_id);
  msg = signed_message (self, SOUP_METHOD_POST, key, query, request, NULL);
  body = send (self, msg, cancellable, error);
  if (body == NULL)
    return FALSE;

  /* S3 may answer 200 and say in the body that it failed. */
  data = g_bytes_get_data (body, &size);
  code = data != NULL ? ks_s3_xml_find_text (data, size, "Code") : NULL;
  if (code != NULL)
    {
      set_answer_error (self, msg, body, error);
      return FALSE;
    }

  return TRUE;
}

gboolean
ks_server_bucket_abort_multipart (KsServerBucket *self,
                                  const char     *key,
                                  const char     *upload_id,
                                  GCancellable   *cancellable,
                                  GError        **error)
{
  g_autofree char *query = NULL;
  g_autoptr (SoupMessage) msg = NULL;

  g_return_val_if_fail (KS_IS_SERVER_BUCKET (self), FALSE);
  g_return_val_if_fail (key != NULL && upload_id != NULL, FALSE);

  query = upload_query (upload_id);
  msg = signed_message (self, SOUP_METHOD_DELETE, key, query, NULL, NULL);
  return send_removal (self, msg, cancellable, error);
}
