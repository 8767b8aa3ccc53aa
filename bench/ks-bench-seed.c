/* ks-bench-seed.c: a library of many small photos on a keepsake-server
 *
 *   ks-bench-seed --url http://127.0.0.1:PORT [--count 100000] [--jobs 16]
 *
 * Signs a user up on the server (or in, when it exists) and uploads
 * --count distinct photos through the API: prepare, PUT the original and
 * its thumbnails to the presigned URLs, commit; --jobs photos at a time.
 * Each photo is a tiny JPEG original and a real 256 x 192 grid thumbnail;
 * a COM segment naming the photo makes every file's SHA-256 its own (the
 * app caches thumbnails by their SHA-256, so shared bytes would flatter
 * it). Photo n is taken 15 years / count after photo n - 1 and committed
 * in that order, so the library lists newest first. Photos already on
 * the server are skipped ("exists"), so an interrupted run resumes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "ks-api-client.h"
#include "ks-cloud-error.h"
#include "ks-cognito-client.h"
#include "ks-profile.h"
#include "ks-session.h"
#include "ks-token-store.h"

#define N_BASES 48
#define GRID_WIDTH 256
#define GRID_HEIGHT 192
#define ORIGINAL_WIDTH 64
#define ORIGINAL_HEIGHT 48
#define YEARS 15

typedef struct
{
  SoupSession *soup;
  KsApiClient *api;
  GBytes      *grids[N_BASES];
  GBytes      *originals[N_BASES];
  guint        count;
  guint        jobs;
  guint        next;
  guint        running;
  guint        done;
  guint        existed;
  gint64       started;
  gint64       last_report;
  GMainLoop   *loop;
  int          status;
} Seeder;

typedef struct
{
  guint   index;
  GBytes *original;
  GBytes *grid;
  char   *photo_id;
  guint   puts_left;
} Job;

static Seeder seeder;

static void start_jobs (void);

/* --- Photos */

/* Something with the detail of a photo: smooth colour fields with noise,
 * so that the JPEG is about the size a real grid thumbnail is. */
static GBytes *
make_jpeg (guint base,
           int   width,
           int   height)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int     stride = gdk_pixbuf_get_rowstride (pixbuf);
  GRand  *rand = g_rand_new_with_seed (base + 1);
  double  hue = base * 2.0 * G_PI / N_BASES;
  double  fx = 0.01 + 0.03 * g_rand_double (rand), fy = 0.01 + 0.03 * g_rand_double (rand);
  gchar  *buffer = NULL;
  gsize   size = 0;
  g_autoptr (GError) error = NULL;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double  sx = (double) x * GRID_WIDTH / width, sy = (double) y * GRID_HEIGHT / height;
        double  v = 0.5 + 0.25 * sin (sx * fx + hue) + 0.25 * cos (sy * fy - hue);
        guchar *p = pixels + y * stride + x * 3;

        for (int c = 0; c < 3; c++)
          {
            double channel = 127 + 110 * v * sin (hue + c * 2.1 + sy * 0.01);

            p[c] = (guchar) CLAMP (channel + g_rand_int_range (rand, -18, 19), 0, 255);
          }
      }
  g_rand_free (rand);
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "jpeg", &error, "quality", "85", NULL))
    g_error ("Encoding a JPEG: %s", error->message);
  return g_bytes_new_take (buffer, size);
}

/* @jpeg with a comment segment right after its start marker. */
static GBytes *
with_comment (GBytes     *jpeg,
              const char *comment)
{
  gsize         size;
  const guchar *data = g_bytes_get_data (jpeg, &size);
  gsize         length = strlen (comment) + 2;
  GByteArray   *out = g_byte_array_sized_new (size + length + 2);
  guchar        marker[4] = { 0xff, 0xfe, (guchar) (length >> 8), (guchar) (length & 0xff) };

  g_assert (size > 2 && data[0] == 0xff && data[1] == 0xd8);
  g_byte_array_append (out, data, 2);
  g_byte_array_append (out, marker, sizeof marker);
  g_byte_array_append (out, (const guchar *) comment, length - 2);
  g_byte_array_append (out, data + 2, size - 2);
  return g_byte_array_free_to_bytes (out);
}

static char *
sha256_hex (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

static char *
taken_at (guint index)
{
  gint64 span = (gint64) YEARS * 365 * 24 * 3600;
  gint64 step = span / MAX (seeder.count, 1);
  guint  jitter = (index * 2654435761u) % (guint) MAX (step, 1);
  g_autoptr (GDateTime) start = g_date_time_new_utc (2010, 1, 1, 0, 0, 0);
  g_autoptr (GDateTime) when = g_date_time_add_seconds (start, (double) (index * step + jitter));

  return g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");
}

/* --- One photo: prepare, PUTs, commit */

static void
job_free (Job *job)
{
  g_bytes_unref (job->original);
  g_bytes_unref (job->grid);
  g_free (job->photo_id);
  g_free (job);
}

static void
fail (const char *what,
      guint       index,
      const char *message)
{
  g_printerr ("\nks-bench-seed: %s of photo %u failed: %s\n", what, index, message);
  seeder.status = 1;
  g_main_loop_quit (seeder.loop);
}

static void
report (gboolean last)
{
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - seeder.started) / (double) G_USEC_PER_SEC;
  double rate = seconds > 0 ? seeder.done / seconds : 0;

  if (!last && now - seeder.last_report < G_USEC_PER_SEC / 2)
    return;
  seeder.last_report = now;
  fprintf (stderr, "\r%u / %u photos (%u already there), %.0f/s, %.0f s%s", seeder.done,
           seeder.count, seeder.existed, rate, seconds, last ? "\n" : "  ");
}

static void
job_done (Job *job)
{
  seeder.running--;
  seeder.done++;
  job_free (job);
  report (FALSE);
  start_jobs ();
}

static void
committed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;

  photo = ks_api_client_commit_photo_finish (KS_API_CLIENT (source), result, &error);
  if (photo == NULL)
    {
      fail ("commit", job->index, error->message);
      return;
    }
  job_done (job);
}

static void
put_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Job         *job = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      fail ("a PUT", job->index, error->message);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

      {
        fail ("a PUT", job->index, text);
        return;
      }
    }
  if (--job->puts_left == 0)
    ks_api_client_commit_photo_async (seeder.api, job->photo_id, NULL, NULL, committed_cb, job);
}

static void
put (Job            *job,
     KsUploadTarget *target,
     GBytes         *bytes)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("PUT", target->url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  GHashTableIter      iter;
  gpointer            name, value;

  g_hash_table_iter_init (&iter, target->headers);
  while (g_hash_table_iter_next (&iter, &name, &value))
    if (g_ascii_strcasecmp (name, "Content-Length") != 0)
      soup_message_headers_replace (headers, name, value);
  soup_message_set_request_body_from_bytes (msg, "image/jpeg", bytes);
  soup_session_send_and_read_async (seeder.soup, msg, G_PRIORITY_DEFAULT, NULL, put_cb, job);
}

static void
prepared_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr (KsPrepareReply) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = ks_api_client_prepare_photo_finish (KS_API_CLIENT (source), result, &error);
  if (reply == NULL)
    {
      fail ("prepare", job->index, error->message);
      return;
    }
  if (reply->exists)
    {
      seeder.existed++;
      job_done (job);
      return;
    }

  job->photo_id = g_strdup (reply->photo_id);
  job->puts_left = reply->uploads->len;
  for (guint i = 0; i < reply->uploads->len; i++)
    {
      KsUploadTarget *target = g_ptr_array_index (reply->uploads, i);

      if (target->url == NULL)
        {
          fail ("prepare", job->index, "a multipart upload for a tiny photo");
          return;
        }
      /* The preview is the original itself: the viewer is not measured. */
      put (job, target, g_str_equal (target->target, "grid") ? job->grid : job->original);
    }
}

static void
start_job (guint index)
{
  Job             *job = g_new0 (Job, 1);
  g_autofree char *comment = g_strdup_printf ("keepsake bench photo %u", index);
  g_autoptr (KsPrepareRequest) request = ks_prepare_request_new ();
  g_autofree char *original_sha256 = NULL;
  g_autofree char *grid_sha256 = NULL;

  job->index = index;
  job->original = with_comment (seeder.originals[index % N_BASES], comment);
  job->grid = with_comment (seeder.grids[(index / 7) % N_BASES], comment);
  original_sha256 = sha256_hex (job->original);
  grid_sha256 = sha256_hex (job->grid);

  request->sha256 = g_strdup (original_sha256);
  request->size = (gint64) g_bytes_get_size (job->original);
  request->content_type = g_strdup ("image/jpeg");
  request->file_name = g_strdup_printf ("IMG_%06u.JPG", index);
  request->taken_at = taken_at (index);
  request->width = ORIGINAL_WIDTH;
  request->height = ORIGINAL_HEIGHT;
  g_ptr_array_add (request->thumbnails,
                   ks_thumbnail_info_new ("grid", (gint64) g_bytes_get_size (job->grid), grid_sha256));
  g_ptr_array_add (request->thumbnails,
                   ks_thumbnail_info_new ("preview", request->size, original_sha256));

  seeder.running++;
  ks_api_client_prepare_photo_async (seeder.api, request, NULL, prepared_cb, job);
}

static void
start_jobs (void)
{
  if (seeder.status != 0)
    return;
  while (seeder.running < seeder.jobs && seeder.next < seeder.count)
    start_job (seeder.next++);
  if (seeder.running == 0)
    {
      report (TRUE);
      g_main_loop_quit (seeder.loop);
    }
}

/* --- Signing in */

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static void
die_on_error (const char *what,
              GError     *error)
{
  if (error != NULL)
    {
      g_printerr ("ks-bench-seed: %s: %s\n", what, error->message);
      exit (1);
    }
}

static void
sign_in (const char *url,
         const char *username,
         const char *password,
         const char *token_dir)
{
  g_autoptr (KsServerInfo) server = NULL;
  g_autoptr (KsCognitoClient) cognito = NULL;
  g_autoptr (KsProfile) profile = NULL;
  g_autoptr (KsTokenStore) store = NULL;
  g_autoptr (KsSession) session = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *email = g_strdup_printf ("%s@example.org", username);
  gboolean         confirmed = FALSE;

  ks_discover_async (seeder.soup, url, NULL, store_result_cb, &result);
  server = ks_discover_finish (wait_result (&result), &error);
  die_on_error ("discovery", error);
  g_clear_object (&result);

  cognito = ks_cognito_client_new (seeder.soup, server);
  ks_cognito_client_sign_up_async (cognito, username, password, email, NULL, store_result_cb, &result);
  if (!ks_cognito_client_sign_up_finish (cognito, wait_result (&result), &confirmed, &error) &&
      !g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_USERNAME_EXISTS))
    die_on_error ("sign-up", error);
  g_clear_error (&error);
  g_clear_object (&result);

  profile = ks_profile_new ("bench", url, server);
  store = ks_token_store_new (KS_TOKEN_STORE_FILE, token_dir);
  session = ks_session_new (seeder.soup, profile, store);
  ks_session_sign_in_async (session, username, password, KS_AUTH_FLOW_PASSWORD, NULL,
                            store_result_cb, &result);
  ks_session_sign_in_finish (session, wait_result (&result), &error);
  die_on_error ("sign-in", error);

  seeder.api = ks_api_client_new (seeder.soup, server->api_url, KS_TOKEN_SOURCE (session));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *url = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_autofree char *token_dir = NULL;
  int              count = 100000;
  int              jobs = 16;
  GOptionEntry     entries[] = {
        { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Server URL", "URL" },
        { "user", 0, 0, G_OPTION_ARG_STRING, &username, "User (default: bench)", "NAME" },
        { "password", 0, 0, G_OPTION_ARG_STRING, &password, "Password", "PASSWORD" },
        { "count", 0, 0, G_OPTION_ARG_INT, &count, "Photos (default: 100000)", "N" },
        { "jobs", 0, 0, G_OPTION_ARG_INT, &jobs, "Photos in flight (default: 16)", "N" },
        G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- seed a Keepsake library");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || url == NULL || count < 0 || jobs < 1)
    {
      g_printerr ("usage: ks-bench-seed --url URL [--count N] [--jobs N]%s%s\n",
                  error != NULL ? ": " : "", error != NULL ? error->message : "");
      return 2;
    }

  seeder.count = (guint) count;
  seeder.jobs = (guint) jobs;
  seeder.loop = g_main_loop_new (NULL, FALSE);
  /* Loopback: as many connections as photos in flight. */
  seeder.soup = soup_session_new_with_options ("max-conns", jobs * 2, "max-conns-per-host", jobs * 2,
                                               "timeout", 60, NULL);
  for (guint i = 0; i < N_BASES; i++)
    {
      seeder.grids[i] = make_jpeg (i, GRID_WIDTH, GRID_HEIGHT);
      seeder.originals[i] = make_jpeg (i, ORIGINAL_WIDTH, ORIGINAL_HEIGHT);
    }

  token_dir = g_dir_make_tmp ("ks-bench-seed-XXXXXX", &error);
  die_on_error ("temporary directory", error);
  sign_in (url, username != NULL ? username : "bench",
           password != NULL ? password : "Bench-Passw0rd!x", token_dir);

  seeder.started = g_get_monotonic_time ();
  start_jobs ();
  if (seeder.running > 0)
    g_main_loop_run (seeder.loop);

  {
    g_autofree char *tokens = g_build_filename (token_dir, "tokens", "bench.json", NULL);
    g_autofree char *tokens_dir = g_build_filename (token_dir, "tokens", NULL);

    g_remove (tokens);
    g_rmdir (tokens_dir);
    g_rmdir (token_dir);
  }
  for (guint i = 0; i < N_BASES; i++)
    {
      g_bytes_unref (seeder.grids[i]);
      g_bytes_unref (seeder.originals[i]);
    }
  g_clear_object (&seeder.api);
  g_clear_object (&seeder.soup);
  g_main_loop_unref (seeder.loop);
  return seeder.status;
}
