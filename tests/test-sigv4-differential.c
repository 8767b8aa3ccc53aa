/* test-sigv4-differential.c: our presigned URLs against the AWS SDK's
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A few hundred seeded random cases are presigned by ks_sigv4_presign_url()
 * and by the AWS SDK for JavaScript v3 S3 presigner (tests/js/presign.mjs,
 * one node process for the whole batch). The URLs must agree: same origin
 * and path byte for byte, same multiset of decoded query pairs, same
 * X-Amz-Signature. Our verifier must also accept every SDK URL.
 *
 * node and tests/js/node_modules are required, not optional: the test
 * script installs them with `npm ci --prefix tests/js`.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ks-encoding.h"
#include "ks-sigv4.h"
#include "ks-test-util.h"

#define N_CASES 400
#define CASE_SEED 0x5167F4u
#define ORACLE_TIMEOUT 120 /* seconds */
#define MAX_REPORTED 20    /* mismatches printed in full */
#define INSTALL_COMMAND "npm ci --prefix tests/js"

typedef struct
{
  guint      id;
  char      *method;
  char      *endpoint; /* scheme://host[:port] */
  char      *key;      /* decoded, "bucket/object key", no leading '/' */
  GPtrArray *query;    /* owned strings: name, value, name, value… */
  char      *access_key_id;
  char      *secret;
  char      *session_token; /* nullable */
  char      *region;
  gint64     unix_time;
  guint      expires;
} DiffCase;

static void
diff_case_free (DiffCase *c)
{
  g_free (c->method);
  g_free (c->endpoint);
  g_free (c->key);
  g_ptr_array_unref (c->query);
  g_free (c->access_key_id);
  g_free (c->secret);
  g_free (c->session_token);
  g_free (c->region);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DiffCase, diff_case_free)

static DiffCase *
diff_case_copy (const DiffCase *c)
{
  DiffCase *copy = g_new0 (DiffCase, 1);

  copy->id = c->id;
  copy->method = g_strdup (c->method);
  copy->endpoint = g_strdup (c->endpoint);
  copy->key = g_strdup (c->key);
  copy->query = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < c->query->len; i++)
    g_ptr_array_add (copy->query, g_strdup (g_ptr_array_index (c->query, i)));
  copy->access_key_id = g_strdup (c->access_key_id);
  copy->secret = g_strdup (c->secret);
  copy->session_token = g_strdup (c->session_token);
  copy->region = g_strdup (c->region);
  copy->unix_time = c->unix_time;
  copy->expires = c->expires;

  return copy;
}

/* Case generation */

static const char *const methods[] = { "GET", "PUT", "HEAD", "DELETE", "POST" };

/* An explicit default port is dropped by presign.mjs (WHATWG URL) and by
 * us, from the URL and from the signed host header alike. */
static const char *const endpoints[] = {
  "http://127.0.0.1:9000",
  "http://localhost:8080",
  "https://s3.amazonaws.com",
  "https://s3.eu-west-1.amazonaws.com",
  "https://photos.example.org",
  "https://photos.example.org:8443",
  "https://photos.example.org:443",
  "http://127.0.0.1:80",
  "http://[::1]:9000",
};

static const char *const buckets[] = { "keepsake", "photos-2024", "my.bucket" };

static const char *const regions[] = {
  "us-east-1",
  "eu-west-1",
  "ap-northeast-1",
  "us-gov-west-1",
  "cn-north-1",
  "keepsake-local",
  "auto",
};

static const char *const plain_pieces[] = {
  "photo",
  "IMG_0001.jpg",
  "2024",
  "a",
  "Z",
  "-",
  "_",
  ".",
  "~",
  "x.tar.gz",
};

static const char *const unicode_pieces[] = {
  "é",
  "日本",
  "😀",
  "ü",
  "Ñ",
  "ß",
  "Ω",
  "e\xcc\x81" /* e + combining acute */,
  "\xe2\x80\x8b" /* zero-width space */,
  "ﬁ",
  "👩‍👩‍👧",
  "Привет",
  "中文字",
};

static const char *const special_pieces[] = {
  " ",
  "+",
  "%",
  "~",
  "!",
  "*",
  "(",
  ")",
  "$",
  "&",
  "=",
  "?",
  "#",
  "'",
  ",",
  ";",
  ":",
  "@",
  "[",
  "]",
  "\"",
  "<",
  ">",
  "{",
  "}",
  "|",
  "\\",
  "^",
  "`",
  "%20",
  "%2F",
  "%%",
  "\t",
  "\x7f",
  "  ",
};

static const char *const dispositions[] = {
  "attachment; filename=\"My photo (1).jpg\"",
  "inline; filename*=UTF-8''%E6%97%A5%E6%9C%AC.jpg",
  "attachment; filename=\"a+b & c=d?.png\"",
  "attachment; filename=\"été 日本 😀.heic\"",
};

#define PICK(rand, array) ((array)[g_rand_int_range ((rand), 0, G_N_ELEMENTS (array))])

static gboolean
chance (GRand *rand,
        guint  one_in)
{
  return g_rand_int_range (rand, 0, (gint32) one_in) == 0;
}

static char *
random_from_alphabet (GRand      *rand,
                      const char *alphabet,
                      guint       min_len,
                      guint       max_len)
{
  guint    len = (guint) g_rand_int_range (rand, (gint32) min_len, (gint32) max_len + 1);
  gsize    n = strlen (alphabet);
  GString *out = g_string_sized_new (len);

  for (guint i = 0; i < len; i++)
    g_string_append_c (out, alphabet[g_rand_int_range (rand, 0, (gint32) n)]);

  return g_string_free (out, FALSE);
}

static void
append_pieces (GString *text,
               GRand   *rand)
{
  guint n_pieces = (guint) g_rand_int_range (rand, 1, 5);

  for (guint i = 0; i < n_pieces; i++)
    {
      switch (g_rand_int_range (rand, 0, 3))
        {
        case 0:
          g_string_append (text, PICK (rand, plain_pieces));
          break;
        case 1:
          g_string_append (text, PICK (rand, unicode_pieces));
          break;
        default:
          g_string_append (text, PICK (rand, special_pieces));
          break;
        }
    }
}

static char *
random_text (GRand *rand)
{
  GString *text = g_string_new (NULL);

  append_pieces (text, rand);
  return g_string_free (text, FALSE);
}

static void
append_segment (GString *key,
                GRand   *rand)
{
  /* S3 keeps empty and dot segments as they are: no normalisation. */
  if (chance (rand, 20))
    return;
  if (chance (rand, 30))
    {
      g_string_append (key, chance (rand, 2) ? "." : "..");
      return;
    }

  append_pieces (key, rand);
}

static char *
random_key (GRand *rand)
{
  GString *key = g_string_new (PICK (rand, buckets));
  guint    depth = chance (rand, 10) ? (guint) g_rand_int_range (rand, 10, 25)
                                     : (guint) g_rand_int_range (rand, 1, 6);

  for (guint i = 0; i < depth; i++)
    {
      g_string_append_c (key, '/');
      append_segment (key, rand);
    }
  if (chance (rand, 15))
    g_string_append_c (key, '/');

  return g_string_free (key, FALSE);
}

static void
add_pair (GPtrArray  *query,
          const char *name,
          char       *value /* owned */)
{
  g_ptr_array_add (query, g_strdup (name));
  g_ptr_array_add (query, value);
}

static GPtrArray *
random_query (GRand *rand)
{
  GPtrArray *query = g_ptr_array_new_with_free_func (g_free);
  guint      n_pairs;

  if (chance (rand, 4))
    {
      add_pair (query, "partNumber", g_strdup_printf ("%d", g_rand_int_range (rand, 1, 10001)));
      add_pair (query, "uploadId",
                random_from_alphabet (rand, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "abcdefghijklmnopqrstuvwxyz"
                                            "0123456789+/=._-",
                                      20, 80));
    }
  if (chance (rand, 4))
    add_pair (query, "response-content-disposition", g_strdup (PICK (rand, dispositions)));
  if (chance (rand, 6))
    add_pair (query, "response-content-type",
              g_strdup (chance (rand, 2) ? "image/jpeg" : "text/plain; charset=utf-8"));
  if (chance (rand, 8))
    add_pair (query, "uploads", g_strdup (""));
  if (chance (rand, 8))
    add_pair (query, "versionId", random_from_alphabet (rand, "abcdefABCDEF0123456789._", 32, 32));
  if (chance (rand, 10))
    add_pair (query, "x-id", g_strdup ("GetObject"));
  if (chance (rand, 10))
    {
      /* Repeated names: sorted by value in the canonical query. */
      add_pair (query, "tag", g_strdup ("b"));
      add_pair (query, "tag", g_strdup ("a b"));
      add_pair (query, "tag", g_strdup ("a"));
    }
  if (chance (rand, 12))
    add_pair (query, "meta é key", g_strdup ("v/1 +2"));
  if (chance (rand, 12))
    {
      add_pair (query, "prefix", g_strdup ("日本/été "));
      add_pair (query, "delimiter", g_strdup ("/"));
    }
  if (chance (rand, 10))
    add_pair (query, "note", g_strdup ("100% ~tilde +plus *star* (paren) 'q' !bang"));
  if (chance (rand, 6))
    {
      /* Any name: the canonical order is by encoded name, '%' sorting
       * before letters. */
      g_autofree char *name = random_text (rand);

      add_pair (query, name, random_text (rand));
    }

  /* Callers give parameters in any order. */
  n_pairs = query->len / 2;
  for (guint i = n_pairs; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i);

      for (guint k = 0; k < 2; k++)
        {
          gpointer tmp = query->pdata[2 * (i - 1) + k];

          query->pdata[2 * (i - 1) + k] = query->pdata[2 * j + k];
          query->pdata[2 * j + k] = tmp;
        }
    }

  return query;
}

static guint
random_expires (GRand *rand)
{
  if (chance (rand, 10))
    return 1;
  if (chance (rand, 10))
    return KS_SIGV4_MAX_EXPIRES;
  return (guint) g_rand_int_range (rand, 1, KS_SIGV4_MAX_EXPIRES + 1);
}

static DiffCase *
random_case (GRand *rand,
             guint  id)
{
  DiffCase         *c = g_new0 (DiffCase, 1);
  static const char base64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  c->id = id;
  c->method = g_strdup (PICK (rand, methods));
  c->endpoint = g_strdup (PICK (rand, endpoints));
  c->key = random_key (rand);
  c->query = random_query (rand);
  c->access_key_id = random_from_alphabet (rand, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 20, 20);
  memcpy (c->access_key_id, "AKIA", 4);
  if (chance (rand, 20))
    c->secret = g_strdup ("sécret/日本+😀");
  else
    c->secret = random_from_alphabet (rand, base64, 40, 40);
  if (chance (rand, 3))
    {
      g_autofree char *token = random_from_alphabet (rand, base64, 100, 400);

      c->session_token = g_strconcat (token, "==", NULL);
    }
  c->region = g_strdup (PICK (rand, regions));
  /* 2000-01-01 … 2037-12-31, whole seconds as SigV4 dates have. */
  c->unix_time = 946684800 + (gint64) g_rand_int_range (rand, 0, 1199145600);
  c->expires = random_expires (rand);

  return c;
}

static GPtrArray *
generate_cases (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (CASE_SEED);
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify) diff_case_free);

  for (guint i = 0; i < N_CASES; i++)
    g_ptr_array_add (cases, random_case (rand, i));

  return cases;
}

/* Our side */

static char *
format_amz_iso (gint64 unix_time)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_time);

  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

static char *
our_presign (const DiffCase *c,
             GError        **error)
{
  g_autofree char *path = g_strconcat ("/", c->key, NULL);
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new (c->method, path);
  g_autoptr (GDateTime) now = g_date_time_new_from_unix_utc (c->unix_time);
  KsSigv4Credentials creds = {
    .access_key_id = c->access_key_id,
    .secret_access_key = c->secret,
    .session_token = c->session_token,
    .region = c->region,
    .service = "s3",
  };

  for (guint i = 0; i + 1 < c->query->len; i += 2)
    ks_sigv4_request_add_query (req,
                                g_ptr_array_index (c->query, i),
                                g_ptr_array_index (c->query, i + 1));
  /* SDK v3's presigner always adds this (signed) parameter; botocore and
   * the S3 documentation examples, which the test-suite test matches, do
   * not. Both are valid; ask for it explicitly to compare like with like. */
  ks_sigv4_request_add_query (req, "X-Amz-Content-Sha256", KS_SIGV4_UNSIGNED_PAYLOAD);

  return ks_sigv4_presign_url (c->endpoint, req, &creds, now, c->expires, error);
}

/* The oracle: one node process for the whole batch */

static char *
case_to_json_line (const DiffCase *c)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *date = format_amz_iso (c->unix_time);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, c->id);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, c->method);
  json_builder_set_member_name (builder, "endpoint");
  json_builder_add_string_value (builder, c->endpoint);
  json_builder_set_member_name (builder, "key");
  json_builder_add_string_value (builder, c->key);
  json_builder_set_member_name (builder, "query");
  json_builder_begin_array (builder);
  for (guint i = 0; i + 1 < c->query->len; i += 2)
    {
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, g_ptr_array_index (c->query, i));
      json_builder_add_string_value (builder, g_ptr_array_index (c->query, i + 1));
      json_builder_end_array (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "accessKeyId");
  json_builder_add_string_value (builder, c->access_key_id);
  json_builder_set_member_name (builder, "secret");
  json_builder_add_string_value (builder, c->secret);
  json_builder_set_member_name (builder, "sessionToken");
  if (c->session_token != NULL)
    json_builder_add_string_value (builder, c->session_token);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "region");
  json_builder_add_string_value (builder, c->region);
  json_builder_set_member_name (builder, "date");
  json_builder_add_string_value (builder, date);
  json_builder_set_member_name (builder, "expires");
  json_builder_add_int_value (builder, c->expires);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

static char *
source_dir (void)
{
  const char *dir = g_getenv ("KS_SOURCE_DIR");

  if (dir != NULL)
    return g_strdup (dir);

  /* Run by hand: G_TEST_SRCDIR (or the binary's directory) is tests/. */
  return g_build_filename (g_test_get_dir (G_TEST_DIST), "..", NULL);
}

/* Fails the test with a message naming the install command, and returns
 * NULL, when node or the SDK is missing: the test script installs both, so
 * their absence is a broken setup, not a reason to skip. */
static char **
oracle_argv (void)
{
  g_autofree char *srcdir = source_dir ();
  g_autofree char *script = g_build_filename (srcdir, "tests", "js", "presign.mjs", NULL);
  g_autofree char *sdk = g_build_filename (srcdir, "tests", "js", "node_modules", "@aws-sdk",
                                           "s3-request-presigner", "package.json", NULL);
  g_autofree char *node = g_find_program_in_path ("node");
  char           **argv;

  if (node == NULL)
    {
      g_test_message ("node is not on PATH: install Node.js >= 20 and npm, then run `%s` "
                      "in the source tree",
                      INSTALL_COMMAND);
      g_test_fail ();
      return NULL;
    }
  if (!g_file_test (script, G_FILE_TEST_IS_REGULAR))
    {
      g_test_message ("oracle script missing: %s", script);
      g_test_fail ();
      return NULL;
    }
  if (!g_file_test (sdk, G_FILE_TEST_IS_REGULAR))
    {
      g_test_message ("the AWS SDK is not installed under %s/tests/js/node_modules: run `%s` "
                      "in the source tree",
                      srcdir, INSTALL_COMMAND);
      g_test_fail ();
      return NULL;
    }

  argv = g_new0 (char *, 3);
  argv[0] = g_steal_pointer (&node);
  argv[1] = g_steal_pointer (&script);

  return argv;
}

typedef struct
{
  gboolean done;
  gboolean timed_out;
  char    *out;
  GError  *error;
} Communication;

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Communication *comm = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &comm->out, NULL, &comm->error);
  comm->done = TRUE;
}

static gboolean
oracle_timeout_cb (gpointer user_data)
{
  Communication *comm = user_data;

  comm->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static char *
describe_exit (GSubprocess *proc)
{
  if (g_subprocess_get_if_exited (proc))
    return g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (proc));
  if (g_subprocess_get_if_signaled (proc))
    return g_strdup_printf ("was killed by signal %d", g_subprocess_get_term_sig (proc));
  return g_strdup ("ended");
}

/* Parses the {id, url} lines into an array indexed by case id. */
static GPtrArray *
parse_oracle_output (const char *out,
                     guint       n_cases)
{
  g_autoptr (GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  guint n_answers = 0;

  g_ptr_array_set_size (urls, (gint) n_cases);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;
      JsonObject *obj;
      JsonNode   *id_node;
      JsonNode   *url_node;
      gint64      id;

      if (lines[i][0] == '\0')
        continue;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
      obj = json_node_get_object (json_parser_get_root (parser));
      id_node = json_object_get_member (obj, "id");
      url_node = json_object_get_member (obj, "url");
      g_assert_nonnull (id_node);
      g_assert_nonnull (url_node);
      g_assert_true (JSON_NODE_HOLDS_VALUE (id_node));
      g_assert_true (JSON_NODE_HOLDS_VALUE (url_node));
      g_assert_cmpint (json_node_get_value_type (id_node), ==, G_TYPE_INT64);
      g_assert_cmpint (json_node_get_value_type (url_node), ==, G_TYPE_STRING);

      id = json_node_get_int (id_node);
      g_assert_cmpint (id, >=, 0);
      g_assert_cmpint (id, <, n_cases);
      g_assert_null (g_ptr_array_index (urls, id));
      urls->pdata[id] = g_strdup (json_node_get_string (url_node));
      n_answers++;
    }
  g_assert_cmpuint (n_answers, ==, n_cases);

  return g_steal_pointer (&urls);
}

/* Runs node once over every case, bounded by ORACLE_TIMEOUT. Returns the
 * URLs indexed by case id, or NULL after failing the test. node's stderr
 * goes to a file, so its message survives a broken pipe. */
static GPtrArray *
run_oracle (GPtrArray *cases)
{
  g_auto (GStrv) argv = oracle_argv ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GMainContext) context = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  g_autoptr (GSource) timeout = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) comm_error = NULL;
  g_autoptr (GString) input = g_string_new (NULL);
  g_autofree char *err_path = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  Communication    comm = { 0 };
  int              fd;

  if (argv == NULL)
    return NULL;

  for (guint i = 0; i < cases->len; i++)
    {
      g_autofree char *line = case_to_json_line (g_ptr_array_index (cases, i));

      g_string_append (input, line);
      g_string_append_c (input, '\n');
    }

  fd = g_file_open_tmp ("ks-presign-XXXXXX.log", &err_path, &error);
  g_assert_no_error (error);
  close (fd);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv, &error);
  g_assert_no_error (error);

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  cancellable = g_cancellable_new ();
  timeout = g_timeout_source_new_seconds (ORACLE_TIMEOUT);
  g_source_set_callback (timeout, oracle_timeout_cb, &comm, NULL);
  g_source_attach (timeout, context);

  g_subprocess_communicate_utf8_async (proc, input->str, cancellable, communicate_cb, &comm);
  while (!comm.done)
    {
      if (comm.timed_out && !g_cancellable_is_cancelled (cancellable))
        {
          g_subprocess_force_exit (proc);
          g_cancellable_cancel (cancellable);
        }
      g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);
  g_subprocess_wait (proc, NULL, NULL);

  out = g_steal_pointer (&comm.out);
  comm_error = g_steal_pointer (&comm.error);
  g_file_get_contents (err_path, &err, NULL, NULL);
  g_unlink (err_path);

  if (comm.timed_out)
    {
      g_test_message ("%s did not finish within %d s", argv[1], ORACLE_TIMEOUT);
      g_test_fail ();
      return NULL;
    }
  if (!g_subprocess_get_successful (proc))
    {
      g_autofree char *how = describe_exit (proc);

      g_test_message ("%s %s (is the SDK installed? `%s`):\n%s", argv[1], how,
                      INSTALL_COMMAND, err != NULL ? err : "");
      g_test_fail ();
      return NULL;
    }
  if (comm_error != NULL)
    {
      g_test_message ("talking to %s failed: %s", argv[1], comm_error->message);
      g_test_fail ();
      return NULL;
    }

  return parse_oracle_output (out, cases->len);
}

/* Both tests share one batch: node starts once. */
static GPtrArray *shared_cases;
static GPtrArray *shared_urls;

static gboolean
get_oracle (GPtrArray **out_cases,
            GPtrArray **out_urls)
{
  if (shared_cases == NULL)
    {
      shared_cases = generate_cases ();
      shared_urls = run_oracle (shared_cases);
    }
  else if (shared_urls == NULL)
    {
      g_test_message ("the SDK oracle failed in an earlier test");
      g_test_fail ();
    }

  *out_cases = shared_cases;
  *out_urls = shared_urls;

  return shared_urls != NULL;
}

/* The comparison */

typedef struct
{
  char *name;
  char *value;
} QueryPair;

static void
query_pair_clear (gpointer data)
{
  QueryPair *pair = data;

  g_free (pair->name);
  g_free (pair->value);
}

static int
query_pair_cmp (gconstpointer a,
                gconstpointer b)
{
  const QueryPair *pa = a;
  const QueryPair *pb = b;
  int              r = strcmp (pa->name, pb->name);

  return r != 0 ? r : strcmp (pa->value, pb->value);
}

typedef struct
{
  char   *origin; /* scheme://authority */
  char   *path;   /* raw, as on the wire */
  GArray *query;  /* QueryPair, decoded, sorted, without X-Amz-Signature */
  char   *signature;
  guint   n_signatures;
} SplitUrl;

static void
split_url_clear (SplitUrl *u)
{
  g_clear_pointer (&u->origin, g_free);
  g_clear_pointer (&u->path, g_free);
  g_clear_pointer (&u->query, g_array_unref);
  g_clear_pointer (&u->signature, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SplitUrl, split_url_clear)

static gboolean
split_url (const char *url,
           SplitUrl   *out,
           char      **why)
{
  const char *authority = strstr (url, "://");
  const char *path;
  const char *query;
  g_auto (GStrv) params = NULL;

  if (authority == NULL || strchr (url, '#') != NULL)
    {
      *why = g_strdup_printf ("not an absolute URL without fragment: %s", url);
      return FALSE;
    }
  path = strchr (authority + 3, '/');
  if (path == NULL)
    {
      *why = g_strdup_printf ("no path: %s", url);
      return FALSE;
    }
  query = strchr (path, '?');

  out->origin = g_strndup (url, path - url);
  out->path = query != NULL ? g_strndup (path, query - path) : g_strdup (path);
  out->query = g_array_new (FALSE, FALSE, sizeof (QueryPair));
  g_array_set_clear_func (out->query, query_pair_clear);
  if (query == NULL || query[1] == '\0')
    return TRUE;

  params = g_strsplit (query + 1, "&", -1);
  for (guint i = 0; params[i] != NULL; i++)
    {
      const char *eq = strchr (params[i], '=');
      gsize       name_len = eq != NULL ? (gsize) (eq - params[i]) : strlen (params[i]);
      g_autoptr (GError) error = NULL;
      QueryPair pair = { NULL, NULL };

      pair.name = ks_uri_decode (params[i], (gssize) name_len, &error);
      if (pair.name != NULL)
        pair.value = ks_uri_decode (eq != NULL ? eq + 1 : "", -1, &error);
      if (pair.value == NULL)
        {
          g_free (pair.name);
          *why = g_strdup_printf ("bad escape in query parameter \"%s\": %s",
                                  params[i], error->message);
          return FALSE;
        }
      if (strcmp (pair.name, "X-Amz-Signature") == 0)
        {
          out->n_signatures++;
          g_free (out->signature);
          out->signature = g_steal_pointer (&pair.value);
          g_free (pair.name);
          continue;
        }
      g_array_append_val (out->query, pair);
    }
  g_array_sort (out->query, query_pair_cmp);

  return TRUE;
}

static void
describe_query_difference (GString *why,
                           GArray  *ours,
                           GArray  *theirs)
{
  guint i = 0;
  guint j = 0;

  /* Both sorted: a merge shows what only one side has. */
  while (i < ours->len || j < theirs->len)
    {
      const QueryPair *a = i < ours->len ? &g_array_index (ours, QueryPair, i) : NULL;
      const QueryPair *b = j < theirs->len ? &g_array_index (theirs, QueryPair, j) : NULL;
      int              r;

      if (a == NULL)
        r = 1;
      else if (b == NULL)
        r = -1;
      else
        r = query_pair_cmp (a, b);

      if (r == 0)
        {
          i++;
          j++;
        }
      else if (r < 0)
        {
          g_string_append_printf (why, "\n    only ours:   \"%s\" = \"%s\"", a->name, a->value);
          i++;
        }
      else
        {
          g_string_append_printf (why, "\n    only theirs: \"%s\" = \"%s\"", b->name, b->value);
          j++;
        }
    }
}

/* TRUE when @ours and @theirs are the same presigned URL: same origin and
 * raw path byte for byte, same multiset of decoded query pairs, exactly one
 * X-Amz-Signature each and the same one. Otherwise sets @why. */
static gboolean
urls_match (const char *ours,
            const char *theirs,
            char      **why)
{
  g_auto (SplitUrl) a = { 0 };
  g_auto (SplitUrl) b = { 0 };
  g_autoptr (GString) diff = g_string_new (NULL);

  if (!split_url (ours, &a, why) || !split_url (theirs, &b, why))
    return FALSE;

  if (strcmp (a.origin, b.origin) != 0)
    g_string_append_printf (diff, "\n  origin differs: ours %s, theirs %s", a.origin, b.origin);
  if (strcmp (a.path, b.path) != 0)
    g_string_append_printf (diff, "\n  path differs:\n    ours:   %s\n    theirs: %s", a.path, b.path);

  if (a.n_signatures != 1 || b.n_signatures != 1)
    g_string_append_printf (diff, "\n  X-Amz-Signature count: ours %u, theirs %u",
                            a.n_signatures, b.n_signatures);
  else if (strcmp (a.signature, b.signature) != 0)
    g_string_append_printf (diff, "\n  X-Amz-Signature differs: ours %s, theirs %s",
                            a.signature, b.signature);

  if (a.query->len != b.query->len)
    g_string_append_printf (diff, "\n  query has %u other parameters in ours, %u in theirs",
                            a.query->len, b.query->len);
  for (guint i = 0; i < MIN (a.query->len, b.query->len); i++)
    {
      if (query_pair_cmp (&g_array_index (a.query, QueryPair, i),
                          &g_array_index (b.query, QueryPair, i)) != 0)
        {
          g_string_append (diff, "\n  query parameters differ:");
          describe_query_difference (diff, a.query, b.query);
          break;
        }
    }

  if (diff->len == 0)
    return TRUE;

  *why = g_strdup (diff->str);
  return FALSE;
}

/* Test logs are printed in the C locale, which turns UTF-8 into '?':
 * show every other byte outside printable ASCII as \xNN instead. */
static char *
printable (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if ((*p >= 0x20 && *p < 0x7f) || *p == '\n')
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "\\x%02X", *p);
    }

  return g_string_free (out, FALSE);
}

static void
print_case (const DiffCase *c)
{
  g_autofree char *line = case_to_json_line (c);
  g_autofree char *shown = printable (line);

  g_test_message ("case %u: %s", c->id, shown);
}

/* Tests */

static void
test_presign_matches_sdk (void)
{
  GPtrArray *cases;
  GPtrArray *urls;
  guint      n_mismatches = 0;

  if (!get_oracle (&cases, &urls))
    return;

  for (guint i = 0; i < cases->len; i++)
    {
      const DiffCase *c = g_ptr_array_index (cases, i);
      const char     *theirs = g_ptr_array_index (urls, i);
      g_autoptr (GError) error = NULL;
      g_autofree char *ours = our_presign (c, &error);
      g_autofree char *why = NULL;

      if (ours == NULL)
        why = g_strdup_printf ("ks_sigv4_presign_url() failed: %s", error->message);
      else if (urls_match (ours, theirs, &why))
        continue;

      if (++n_mismatches <= MAX_REPORTED)
        {
          g_autofree char *report = g_strdup_printf ("  ours:   %s\n  theirs: %s%s",
                                                     ours != NULL ? ours : "(none)",
                                                     theirs, why);
          g_autofree char *shown = printable (report);

          print_case (c);
          g_test_message ("%s", shown);
        }
    }

  g_test_message ("%u of %u cases match the AWS SDK", cases->len - n_mismatches, cases->len);
  if (n_mismatches > MAX_REPORTED)
    g_test_message ("(%u more mismatches not shown)", n_mismatches - MAX_REPORTED);
  if (n_mismatches > 0)
    g_test_fail ();
}

static const char *
secret_for_key_cb (const char *access_key_id,
                   gpointer    user_data)
{
  const DiffCase *c = user_data;

  return strcmp (access_key_id, c->access_key_id) == 0 ? c->secret : NULL;
}

/* What our server sees when an SDK client uses its URL. */
static gboolean
verify_sdk_url (const DiffCase *c,
                const char     *url,
                char          **why)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsSigv4Request) received = NULL;
  g_autoptr (KsSigv4Auth) auth = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_from_unix_utc (c->unix_time);
  const char          *authority = strstr (url, "://");
  const char          *path;
  const char          *query;
  g_autofree char     *host = NULL;
  g_autofree char     *raw_path = NULL;
  KsSigv4VerifyOptions opts = {
    .region = c->region,
    .service = "s3",
    .now = now,
    .lookup = secret_for_key_cb,
    .user_data = (gpointer) c,
  };

  g_assert_nonnull (authority);
  authority += 3;
  path = strchr (authority, '/');
  g_assert_nonnull (path);
  query = strchr (path, '?');
  host = g_strndup (authority, path - authority);
  raw_path = query != NULL ? g_strndup (path, query - path) : g_strdup (path);

  received = ks_sigv4_request_new_from_target (c->method, raw_path,
                                               query != NULL ? query + 1 : "", &error);
  if (received != NULL)
    {
      ks_sigv4_request_add_header (received, "Host", host);
      auth = ks_sigv4_verify (received, &opts, &error);
    }
  if (auth == NULL)
    {
      *why = g_strdup (error->message);
      return FALSE;
    }
  if (!auth->presigned || strcmp (auth->access_key_id, c->access_key_id) != 0)
    {
      *why = g_strdup ("verified, but not as a presigned URL of this access key");
      return FALSE;
    }

  return TRUE;
}

static void
test_verify_accepts_sdk_urls (void)
{
  GPtrArray *cases;
  GPtrArray *urls;
  guint      n_rejected = 0;

  if (!get_oracle (&cases, &urls))
    return;

  for (guint i = 0; i < cases->len; i++)
    {
      const DiffCase  *c = g_ptr_array_index (cases, i);
      const char      *theirs = g_ptr_array_index (urls, i);
      g_autofree char *why = NULL;

      if (verify_sdk_url (c, theirs, &why))
        continue;

      if (++n_rejected <= MAX_REPORTED)
        {
          g_autofree char *shown = printable (why);

          print_case (c);
          g_test_message ("  rejected SDK URL %s: %s", theirs, shown);
        }
    }

  g_test_message ("our verifier accepts %u of %u SDK URLs", cases->len - n_rejected, cases->len);
  if (n_rejected > 0)
    g_test_fail ();
}

static char *
replace_once (const char *text,
              const char *old,
              const char *new_text)
{
  const char *at = strstr (text, old);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, new_text, at + strlen (old));
}

/* The comparison itself, on SDK URLs edited by hand. */
static void
check_comparison_on_strings (const char *theirs)
{
  const char      *query = strchr (theirs, '?');
  g_autofree char *head = g_strndup (theirs, query - theirs);
  g_autofree char *tilde = g_strconcat (head, "~", query, NULL);
  g_autofree char *escaped_tilde = g_strconcat (head, "%7E", query, NULL);
  g_autofree char *reordered = NULL;
  g_autofree char *respelled = NULL;
  g_autofree char *dropped = NULL;
  g_autofree char *why = NULL;
  g_auto (GStrv) params = g_strsplit (query + 1, "&", -1);
  guint n = g_strv_length (params);

  g_assert_true (urls_match (theirs, theirs, &why));

  /* Query order and the spelling of escapes don't matter… */
  for (guint i = 0; i < n / 2; i++)
    {
      char *tmp = params[i];

      params[i] = params[n - 1 - i];
      params[n - 1 - i] = tmp;
    }
  {
    g_autofree char *reversed = g_strjoinv ("&", params);

    reordered = g_strconcat (head, "?", reversed, NULL);
  }
  g_assert_true (urls_match (reordered, theirs, &why));
  respelled = replace_once (theirs, "=AWS4-HMAC-SHA256", "=AWS4%2DHMAC%2dSHA256");
  g_assert_true (urls_match (respelled, theirs, &why));

  /* …but the path is compared byte for byte, and every pair counts. */
  g_assert_false (urls_match (tilde, escaped_tilde, &why));
  g_assert_nonnull (strstr (why, "path differs"));
  g_clear_pointer (&why, g_free);
  dropped = replace_once (theirs, "X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=");
  g_assert_false (urls_match (dropped, theirs, &why));
  g_assert_nonnull (strstr (why, "only theirs: \"X-Amz-SignedHeaders\" = \"host\""));
}

/* The comparison must be able to fail, or a green run proves nothing: our
 * URL for a deliberately wrong input must differ from the SDK's, and for
 * the reason the input is wrong. */
static void
test_comparison_detects_mismatch (void)
{
  static const char *const expected[] = {
    "X-Amz-Signature differs",                 /* secret */
    "\n    only ours:   \"X-Amz-Credential\"", /* region */
    "path differs",                            /* key */
    "\n    only ours:   \"extra\" = \"1\"",    /* extra parameter */
    "\n    only ours:   \"X-Amz-Expires\"",    /* expiry */
    "\n    only ours:   \"X-Amz-Date\"",       /* clock */
    "X-Amz-Signature differs",                 /* method */
  };
  GPtrArray *cases;
  GPtrArray *urls;

  if (!get_oracle (&cases, &urls))
    return;

  check_comparison_on_strings (g_ptr_array_index (urls, 0));

  for (guint m = 0; m < G_N_ELEMENTS (expected); m++)
    {
      const DiffCase *c = g_ptr_array_index (cases, m);
      const char     *theirs = g_ptr_array_index (urls, m);
      g_autoptr (DiffCase) wrong = diff_case_copy (c);
      g_autoptr (GError) error = NULL;
      g_autofree char *ours = NULL;
      g_autofree char *mismatch = NULL;
      g_autofree char *shown = NULL;

      switch (m)
        {
        case 0:
          g_free (wrong->secret);
          wrong->secret = g_strdup ("not the secret the SDK used");
          break;
        case 1:
          g_free (wrong->region);
          wrong->region = g_strdup ("xx-nowhere-1");
          break;
        case 2:
          {
            char *key = g_strconcat (wrong->key, "x", NULL);

            g_free (wrong->key);
            wrong->key = key;
          }
          break;
        case 3:
          add_pair (wrong->query, "extra", g_strdup ("1"));
          break;
        case 4:
          wrong->expires = wrong->expires == 1 ? 2 : wrong->expires - 1;
          break;
        case 5:
          wrong->unix_time += 1;
          break;
        default:
          g_free (wrong->method);
          wrong->method = g_strdup (strcmp (c->method, "GET") == 0 ? "PUT" : "GET");
          break;
        }

      ours = our_presign (wrong, &error);
      g_assert_no_error (error);
      g_assert_false (urls_match (ours, theirs, &mismatch));
      shown = printable (mismatch);
      g_test_message ("mutation %u detected:%s", m, shown);
      g_assert_nonnull (strstr (mismatch, expected[m]));
    }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* If node dies before reading all cases, writing to it must fail with
   * EPIPE and a message, not kill the test silently. */
  signal (SIGPIPE, SIG_IGN);

  /* A failure ends the run: the checks that need least of our code go
   * first, so a broken signer still leaves their verdicts in the log. */
  g_test_add_func ("/sigv4/differential/verify-accepts-sdk-urls", test_verify_accepts_sdk_urls);
  g_test_add_func ("/sigv4/differential/comparison-detects-mismatch",
                   test_comparison_detects_mismatch);
  g_test_add_func ("/sigv4/differential/presign-matches-sdk", test_presign_matches_sdk);

  ret = g_test_run ();

  g_clear_pointer (&shared_urls, g_ptr_array_unref);
  g_clear_pointer (&shared_cases, g_ptr_array_unref);

  return ret;
}
