/* test-sigv4-testsuite.c: SigV4 against the AWS test suite and the S3
 * documented examples, both read from the shared test data at run time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-sigv4.h"
#include "ks-test-util.h"

#define SUITE_DIR "testdata/sigv4-testsuite"
#define S3_EXAMPLES "testdata/sigv4-s3-examples.txt"
#define MIN_CASES 20

/* Text helpers */

/* The text between @start and the next @end after it, or NULL. */
static char *
between (const char *text,
         const char *start,
         const char *end)
{
  const char *from = text != NULL ? strstr (text, start) : NULL;
  const char *to;

  if (from == NULL)
    return NULL;
  from += strlen (start);
  to = strstr (from, end);

  return to != NULL ? g_strndup (from, to - from) : NULL;
}

/* The first word after "@key", skipping blanks and one '='. */
static char *
word_after (const char *text,
            const char *key)
{
  const char *p = text != NULL ? strstr (text, key) : NULL;

  if (p == NULL)
    return NULL;
  p += strlen (key);
  p += strspn (p, " \t");
  if (*p == '=')
    p++;
  p += strspn (p, " \t");

  return g_strndup (p, strcspn (p, " \t\n"));
}

static char *
must (char       *value,
      const char *what)
{
  if (value == NULL)
    g_error ("shared test data lacks %s", what);
  return value;
}

static const char *
must_find (const char *text,
           const char *needle)
{
  const char *found = strstr (text, needle);

  if (found == NULL)
    g_error ("shared test data lacks %s", needle);
  return found;
}

static GDateTime *
parse_amz_date (const char *amz_date)
{
  g_autofree char *iso = NULL;

  g_assert_cmpuint (strlen (amz_date), ==, 16);
  iso = g_strdup_printf ("%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", amz_date, amz_date + 4,
                         amz_date + 6, amz_date + 9, amz_date + 11, amz_date + 13);
  return g_date_time_new_from_iso8601 (iso, NULL);
}

static int
str_ptr_cmp (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The query of @url as its raw "name=value" items, sorted: the order of
 * parameters in a URL carries no meaning. */
static char *
sorted_query (const char *url)
{
  const char *q = strchr (url, '?');
  g_auto (GStrv) items = g_strsplit (q != NULL ? q + 1 : "", "&", -1);

  qsort (items, g_strv_length (items), sizeof (char *), str_ptr_cmp);
  return g_strjoinv ("&", items);
}

/* The AWS test suite */

typedef struct
{
  char *access_key;
  char *secret;
  char *region;
  char *service;
  char *amz_date;
} SuiteInputs;

static void
suite_inputs_clear (SuiteInputs *in)
{
  g_free (in->access_key);
  g_free (in->secret);
  g_free (in->region);
  g_free (in->service);
  g_free (in->amz_date);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SuiteInputs, suite_inputs_clear)

static gboolean
read_suite_inputs (SuiteInputs *in)
{
  g_autofree char *readme = ks_test_read_shared (SUITE_DIR "/README.txt", NULL);

  if (readme == NULL)
    return FALSE;
  in->access_key = must (word_after (readme, "ACCESS_KEY"), "ACCESS_KEY");
  in->secret = must (word_after (readme, "SECRET_KEY"), "SECRET_KEY");
  in->region = must (word_after (readme, "REGION"), "REGION");
  in->service = must (word_after (readme, "SERVICE"), "SERVICE");
  in->amz_date = must (word_after (readme, "(X-Amz-Date"), "X-Amz-Date");
  g_assert_cmpuint (strlen (in->amz_date), ==, 17); /* with the ')' */
  in->amz_date[16] = '\0';

  return TRUE;
}

static char *
read_case_file (const char *rel,
                const char *suffix)
{
  g_autofree char *name = g_path_get_basename (rel);
  g_autofree char *path = g_strdup_printf (SUITE_DIR "/%s/%s%s", rel, name, suffix);

  return ks_test_read_shared (path, NULL);
}

static void
add_request_line (KsSigv4Request **out_req,
                  const char      *line)
{
  const char      *first = strchr (line, ' ');
  const char      *last = strrchr (line, ' ');
  g_autofree char *method = NULL;
  g_autofree char *target = NULL;
  g_autoptr (GError) error = NULL;
  char *q;

  g_assert_nonnull (first);
  g_assert_true (last > first);
  method = g_strndup (line, first - line);
  target = g_strndup (first + 1, last - first - 1); /* may contain spaces */
  q = strchr (target, '?');
  if (q != NULL)
    *q++ = '\0';
  *out_req = ks_sigv4_request_new_from_target (method, target, q, &error);
  g_assert_no_error (error);
}

/* A raw HTTP request: request line, headers (folded lines continue the
 * previous value), blank line, body. */
static KsSigv4Request *
parse_raw_request (const char *text,
                   char      **out_body)
{
  const char      *sep = strstr (text, "\n\n");
  g_autofree char *head = sep != NULL ? g_strndup (text, sep - text) : g_strdup (text);
  g_auto (GStrv) lines = g_strsplit (head, "\n", -1);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  KsSigv4Request *req = NULL;

  add_request_line (&req, lines[0]);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *colon = strchr (lines[i], ':');

      if (lines[i][0] == '\0')
        continue;
      if (lines[i][0] == ' ' || lines[i][0] == '\t')
        {
          char **last = (char **) &values->pdata[values->len - 1];
          char  *joined = g_strconcat (*last, " ", lines[i], NULL);

          g_free (*last);
          *last = joined;
          continue;
        }
      g_assert_nonnull (colon);
      g_ptr_array_add (names, g_strndup (lines[i], colon - lines[i]));
      g_ptr_array_add (values, g_strdup (colon + 1));
    }
  for (guint i = 0; i < names->len; i++)
    ks_sigv4_request_add_header (req, names->pdata[i], values->pdata[i]);

  *out_body = g_strdup (sep != NULL ? sep + 2 : "");
  return req;
}

/* get-vanilla-with-session-token: the token is an input that only the
 * signed request (.sreq) shows. */
static char *
session_token_for (const char *rel)
{
  g_autofree char *sreq = read_case_file (rel, ".sreq");

  return sreq != NULL ? word_after (sreq, "\nX-Amz-Security-Token:") : NULL;
}

static void
test_suite_case (gconstpointer data)
{
  const char *rel = data;
  g_auto (SuiteInputs) in = { 0 };
  g_autofree char *raw = read_case_file (rel, ".req");
  g_autofree char *creq = read_case_file (rel, ".creq");
  g_autofree char *sts = read_case_file (rel, ".sts");
  g_autofree char *authz = read_case_file (rel, ".authz");
  g_autofree char *body = NULL, *token = NULL, *scope = NULL, *hash = NULL;
  g_autofree char *got_authz = NULL, *got_creq = NULL, *got_sts = NULL;
  g_autoptr (KsSigv4Request) req = NULL;
  g_autoptr (GDateTime) now = NULL;
  KsSigv4Credentials creds = { 0 };

  if (raw == NULL || creq == NULL || sts == NULL || authz == NULL || !read_suite_inputs (&in))
    return;

  req = parse_raw_request (raw, &body);
  hash = ks_sha256_hex (body, strlen (body));
  ks_sigv4_request_set_payload_hash (req, hash);
  if (strstr (rel, "session-token") != NULL)
    token = must (session_token_for (rel), "the session token");

  creds = (KsSigv4Credentials){ in.access_key, in.secret, token, in.region, in.service };
  now = parse_amz_date (in.amz_date);
  got_authz = ks_sigv4_sign_request (req, &creds, now, KS_SIGV4_FLAVOR_GENERIC);
  got_creq = ks_sigv4_canonical_request (req, KS_SIGV4_FLAVOR_GENERIC, NULL);
  scope = g_strdup_printf ("%.8s/%s/%s/aws4_request", in.amz_date, in.region, in.service);
  got_sts = ks_sigv4_string_to_sign (in.amz_date, scope, got_creq);

  g_assert_cmpstr (got_creq, ==, creq);
  g_assert_cmpstr (got_sts, ==, sts);
  g_assert_cmpstr (got_authz, ==, authz);
}

static void
collect_cases (const char *dir,
               const char *rel,
               GPtrArray  *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *sub = g_build_filename (dir, name, NULL);
      g_autofree char *sub_rel = rel != NULL ? g_strdup_printf ("%s/%s", rel, name)
                                             : g_strdup (name);
      g_autofree char *req_name = g_strdup_printf ("%s.req", name);
      g_autofree char *req_path = g_build_filename (sub, req_name, NULL);

      if (!g_file_test (sub, G_FILE_TEST_IS_DIR))
        continue;
      if (g_file_test (req_path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (out, g_steal_pointer (&sub_rel));
      else
        collect_cases (sub, sub_rel, out);
    }
}

static GPtrArray *
list_cases (const char *dir)
{
  GPtrArray *cases = g_ptr_array_new_with_free_func (g_free);

  collect_cases (dir, NULL, cases);
  g_ptr_array_sort (cases, str_ptr_cmp);

  return cases;
}

static void
test_suite_count (void)
{
  g_autofree char *dir = ks_test_shared_path (SUITE_DIR);
  g_autoptr (GPtrArray) cases = NULL;

  if (dir == NULL)
    return;
  cases = list_cases (dir);
  g_test_message ("%u test-suite cases", cases->len);
  g_assert_cmpuint (cases->len, >=, MIN_CASES);
}

/* The S3 documented examples */

typedef struct
{
  char *text;
  char *access_key;
  char *secret;
  char *region;
  char *amz_date;
  char *host;
} S3Inputs;

static void
s3_inputs_clear (S3Inputs *in)
{
  g_free (in->text);
  g_free (in->access_key);
  g_free (in->secret);
  g_free (in->region);
  g_free (in->amz_date);
  g_free (in->host);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (S3Inputs, s3_inputs_clear)

static gboolean
read_s3_inputs (S3Inputs *in)
{
  in->text = ks_test_read_shared (S3_EXAMPLES, NULL);
  if (in->text == NULL)
    return FALSE;
  in->access_key = must (word_after (in->text, "AccessKeyId"), "AccessKeyId");
  in->secret = must (word_after (in->text, "SecretAccessKey"), "SecretAccessKey");
  in->region = must (word_after (in->text, "\nRegion"), "Region");
  in->amz_date = must (word_after (in->text, "Timestamp"), "Timestamp");
  in->host = must (word_after (in->text, "\nHost"), "Host");

  return TRUE;
}

static KsSigv4Credentials
s3_creds (const S3Inputs *in,
          const char     *token)
{
  return (KsSigv4Credentials){ in->access_key, in->secret, token, in->region, "s3" };
}

static char *
signing_key_hex (const char *secret,
                 const char *date8,
                 const char *region,
                 const char *service)
{
  guint8 key[32];

  ks_sigv4_signing_key (secret, date8, region, service, key);
  return ks_hex_encode (key, sizeof key);
}

static void
test_s3_signing_key (void)
{
  g_auto (S3Inputs) in = { 0 };
  g_autofree char *line = NULL, *expected = NULL, *got = NULL, *date8 = NULL;

  if (!read_s3_inputs (&in))
    return;
  line = must (between (in.text, "Signing key = HMAC", "\n\n"), "the signing key");
  expected = must (word_after (strchr (line, '\n'), "\n"), "the signing key value");
  date8 = g_strndup (in.amz_date, 8);
  got = signing_key_hex (in.secret, date8, in.region, "s3");
  g_assert_cmpstr (got, ==, expected);
}

static void
test_iam_signing_key (void)
{
  g_auto (S3Inputs) in = { 0 };
  g_autofree char *section = NULL, *secret = NULL, *date8 = NULL;
  g_autofree char *region = NULL, *service = NULL, *expected = NULL, *got = NULL;

  if (!read_s3_inputs (&in))
    return;
  section = must (between (in.text, "GENERIC SIGNING-KEY VECTOR", "\n\n"), "the IAM vector");
  secret = must (word_after (section, "secret"), "secret");
  date8 = must (word_after (section, "date"), "date");
  region = must (word_after (section, "region"), "region");
  service = must (word_after (section, "service"), "service");
  expected = must (word_after (section, "kSigning"), "kSigning");

  got = signing_key_hex (secret, date8, region, service);
  g_assert_cmpstr (got, ==, expected);
}

static char *
first_line (const char *text)
{
  return g_strndup (text, strcspn (text, "\n"));
}

/* The path of @url (after scheme://host) and its query, both raw. */
static void
split_url (const S3Inputs *in,
           const char     *url,
           char          **out_path,
           const char    **out_query)
{
  const char *path = strstr (url, in->host);

  g_assert_nonnull (path);
  path += strlen (in->host);
  *out_path = g_strndup (path, strcspn (path, "?"));
  *out_query = strchr (path, '?') != NULL ? strchr (path, '?') + 1 : NULL;
}

/* What a server receives for a presigned @url. */
static KsSigv4Request *
received_request (const S3Inputs *in,
                  const char     *method,
                  const char     *url)
{
  g_autofree char *raw_path = NULL;
  const char      *query;
  g_autoptr (GError) error = NULL;
  KsSigv4Request *req;

  split_url (in, url, &raw_path, &query);
  req = ks_sigv4_request_new_from_target (method, raw_path, query, &error);
  g_assert_no_error (error);
  ks_sigv4_request_add_header (req, "Host", in->host);

  return req;
}

static char *
presigned_canonical_request (KsSigv4Request *received)
{
  g_auto (GStrv) signed_headers = NULL;

  signed_headers = g_strsplit (ks_sigv4_request_get_query (received, "X-Amz-SignedHeaders"),
                               ";", -1);
  ks_sigv4_request_set_payload_hash (received, KS_SIGV4_UNSIGNED_PAYLOAD);

  return ks_sigv4_canonical_request (received, KS_SIGV4_FLAVOR_S3,
                                     (const char *const *) signed_headers);
}

static const char *
lookup_cb (const char *access_key_id,
           gpointer    user_data)
{
  const S3Inputs *in = user_data;

  return strcmp (access_key_id, in->access_key) == 0 ? in->secret : NULL;
}

static void
assert_verifies (const S3Inputs *in,
                 KsSigv4Request *received,
                 gboolean        presigned)
{
  g_autoptr (GDateTime) now = parse_amz_date (in->amz_date);
  KsSigv4VerifyOptions opts = { in->region, "s3", now, 0, lookup_cb, (gpointer) in };
  g_autoptr (KsSigv4Auth) auth = NULL;
  g_autoptr (GError) error = NULL;

  auth = ks_sigv4_verify (received, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (auth->access_key_id, ==, in->access_key);
  g_assert_cmpint (auth->presigned, ==, presigned);
}

/* The request parameters (not X-Amz-*) of a raw query, decoded. */
static void
add_request_params (KsSigv4Request *req,
                    const char     *raw_query)
{
  g_auto (GStrv) items = g_strsplit (raw_query, "&", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      char            *eq = strchr (items[i], '=');
      g_autofree char *name = NULL, *value = NULL;

      g_assert_nonnull (eq);
      *eq = '\0';
      name = ks_uri_decode (items[i], -1, NULL);
      value = ks_uri_decode (eq + 1, -1, NULL);
      g_assert_nonnull (name);
      g_assert_nonnull (value);
      if (!g_str_has_prefix (name, "X-Amz-"))
        ks_sigv4_request_add_query (req, name, value);
    }
}

typedef struct
{
  char *title;
  char *creq;
  char *sts;
  char *signature;
  char *url;
} PresignCase;

static void
presign_case_clear (PresignCase *c)
{
  g_free (c->title);
  g_free (c->creq);
  g_free (c->sts);
  g_free (c->signature);
  g_free (c->url);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PresignCase, presign_case_clear)

/* Presigns the request @c->url describes and checks every stage: the
 * canonical request, the string to sign, the signature and the URL. */
static void
check_presign (const S3Inputs    *in,
               const PresignCase *c)
{
  g_autofree char *method = first_line (c->creq);
  g_autofree char *raw_path = NULL, *url = NULL, *creq = NULL, *sts = NULL;
  g_autofree char *scope = NULL, *got_q = NULL, *want_q = NULL, *got_path = NULL;
  g_autoptr (KsSigv4Request) given = received_request (in, method, c->url);
  g_autoptr (KsSigv4Request) req = NULL, received = NULL;
  g_autoptr (GDateTime) now = parse_amz_date (in->amz_date);
  g_autofree char *endpoint = g_strdup_printf ("https://%s", in->host);
  g_autoptr (GError) error = NULL;
  const char        *query, *got_query;
  const char        *token = ks_sigv4_request_get_query (given, "X-Amz-Security-Token");
  KsSigv4Credentials creds = s3_creds (in, token);

  split_url (in, c->url, &raw_path, &query);
  req = ks_sigv4_request_new (method, ks_sigv4_request_get_path (given));
  add_request_params (req, query);
  url = ks_sigv4_presign_url (endpoint, req, &creds, now,
                              (guint) atoi (ks_sigv4_request_get_query (given, "X-Amz-Expires")),
                              &error);
  g_assert_no_error (error);

  split_url (in, url, &got_path, &got_query);
  g_assert_cmpstr (got_path, ==, raw_path);
  got_q = sorted_query (url);
  want_q = sorted_query (c->url);
  g_assert_cmpstr (got_q, ==, want_q);
  g_assert_true (g_str_has_suffix (url, c->signature));

  received = received_request (in, method, url);
  creq = presigned_canonical_request (received);
  g_assert_cmpstr (creq, ==, c->creq);
  scope = g_strdup_printf ("%.8s/%s/s3/aws4_request", in->amz_date, in->region);
  sts = ks_sigv4_string_to_sign (in->amz_date, scope, creq);
  g_assert_cmpstr (sts, ==, c->sts);
  assert_verifies (in, received, TRUE);
}

static void
test_s3_presign_example (void)
{
  g_auto (S3Inputs) in = { 0 };
  g_autofree char *section = NULL;
  g_auto (PresignCase) c = { 0 };

  if (!read_s3_inputs (&in))
    return;
  section = must (between (in.text, "EXAMPLE 1:", "EXAMPLE 2:"), "example 1");
  c.creq = must (between (section, "payload) ---\n", "\n--- end ---"), "example 1 creq");
  c.sts = must (between (section, "--- String to sign ---\n", "\n--- end ---"), "example 1 sts");
  c.signature = must (word_after (section, "\nSignature"), "example 1 signature");
  c.url = must (word_after (section, "Final URL:\n"), "example 1 URL");
  check_presign (&in, &c);
}

/* The title promises the key, the parameters and the expiry; check the
 * URL says the same, so the URL-derived inputs are the intended ones. */
static void
check_title (const char     *title,
             KsSigv4Request *given)
{
  g_autoptr (GRegex) re = g_regex_new ("^ ?(?:\\w+ )?[A-Z]+ (.+?) \\{(.*)\\} expires (\\d+)",
                                       0, 0, NULL);
  g_autoptr (GRegex) param_re = g_regex_new ("'([^']*)': '([^']*)'", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL, pm = NULL;
  g_autofree char *key = NULL, *params = NULL, *expires = NULL, *path = NULL;

  if (!g_regex_match (re, title, 0, &m))
    return;
  key = g_match_info_fetch (m, 1);
  params = g_match_info_fetch (m, 2);
  expires = g_match_info_fetch (m, 3);
  path = g_strconcat ("/", key, NULL);
  g_assert_cmpstr (ks_sigv4_request_get_path (given), ==, path);
  g_assert_cmpstr (ks_sigv4_request_get_query (given, "X-Amz-Expires"), ==, expires);
  g_regex_match (param_re, params, 0, &pm);
  for (; g_match_info_matches (pm); g_match_info_next (pm, NULL))
    {
      g_autofree char *name = g_match_info_fetch (pm, 1);
      g_autofree char *value = g_match_info_fetch (pm, 2);

      g_assert_cmpstr (ks_sigv4_request_get_query (given, name), ==, value);
    }
}

static void
test_s3_presign_additional (void)
{
  g_auto (S3Inputs) in = { 0 };
  g_auto (GStrv) pieces = NULL;
  guint n = 0;

  if (!read_s3_inputs (&in))
    return;
  pieces = g_strsplit (must_find (in.text, "ADDITIONAL PRESIGN VECTORS"), "--- case:", -1);
  for (guint i = 1; pieces[i] != NULL; i++, n++)
    {
      g_auto (PresignCase) c = { 0 };
      g_autoptr (KsSigv4Request) given = NULL;

      c.title = first_line (pieces[i]);
      c.creq = must (between (pieces[i], "canonical request:\n", "\nstring to sign:"), "creq");
      c.sts = must (between (pieces[i], "string to sign:\n", "\nsignature (mine)"), "sts");
      c.signature = must (word_after (pieces[i], "signature (botocore)"), "signature");
      c.url = must (word_after (pieces[i], "botocore URL:"), "URL");
      g_test_message ("case:%s", c.title);

      given = received_request (&in, "GET", c.url);
      check_title (c.title, given);
      check_presign (&in, &c);
    }
  g_assert_cmpuint (n, >=, 4);
}

/* Header auth: @headers from the expected canonical request minus the two
 * that signing adds, so the test checks ordering, trimming and encoding. */
static KsSigv4Request *
request_from_creq (const char *creq)
{
  g_auto (GStrv) lines = g_strsplit (creq, "\n", -1);
  guint n = g_strv_length (lines);
  g_autoptr (GError) error = NULL;
  KsSigv4Request *req;

  g_assert_cmpuint (n, >=, 6);
  req = ks_sigv4_request_new_from_target (lines[0], lines[1], lines[2], &error);
  g_assert_no_error (error);
  for (guint i = 3; i < n && lines[i][0] != '\0'; i++)
    {
      char *colon = strchr (lines[i], ':');

      g_assert_nonnull (colon);
      *colon = '\0';
      if (strcmp (lines[i], "x-amz-date") != 0 && strcmp (lines[i], "x-amz-content-sha256") != 0)
        ks_sigv4_request_add_header (req, lines[i], colon + 1);
    }
  ks_sigv4_request_set_payload_hash (req, lines[n - 1]);

  return req;
}

static void
check_header_signature (const S3Inputs *in,
                        KsSigv4Request *req,
                        const char     *section)
{
  g_autoptr (GDateTime) now = parse_amz_date (in->amz_date);
  KsSigv4Credentials creds = s3_creds (in, NULL);
  g_autofree char   *authz = ks_sigv4_sign_request (req, &creds, now, KS_SIGV4_FLAVOR_S3);
  g_autofree char   *creq = ks_sigv4_canonical_request (req, KS_SIGV4_FLAVOR_S3, NULL);
  g_autofree char   *creq_hash = ks_sha256_hex (creq, strlen (creq));
  g_autofree char   *want_hash = must (word_after (section, "SHA256(creq)"), "SHA256(creq)");
  g_autofree char   *signature = must (word_after (section, "\nSignature"), "Signature");
  g_autofree char   *want_authz = between (section, "Authorization: ", "\n");

  g_assert_cmpstr (creq_hash, ==, want_hash);
  g_assert_true (g_str_has_suffix (authz, signature));
  if (want_authz != NULL)
    {
      g_autoptr (GRegex) comma = g_regex_new (", ", 0, 0, NULL);
      g_autofree char *compact = g_regex_replace_literal (comma, authz, -1, 0, ",", 0, NULL);

      g_assert_cmpstr (compact, ==, want_authz);
    }
  ks_sigv4_request_add_header (req, "Authorization", authz);
  assert_verifies (in, req, FALSE);
}

static void
test_s3_header_example (gconstpointer data)
{
  guint n = GPOINTER_TO_UINT (data);
  g_auto (S3Inputs) in = { 0 };
  g_autofree char *start = g_strdup_printf ("EXAMPLE %u:", n);
  g_autofree char *end = g_strdup_printf ("EXAMPLE %u:", n + 1);
  g_autofree char *section = NULL, *creq = NULL, *got = NULL, *body = NULL, *key = NULL;
  g_autoptr (KsSigv4Request) req = NULL;

  if (!read_s3_inputs (&in))
    return;
  section = must (between (in.text, start, end), start);
  creq = must (between (section, "=\n", "\n--- end ---"), "the canonical request");
  req = request_from_creq (creq);
  body = between (section, "body \"", "\"");
  key = between (section, "key \"", "\"");
  if (body != NULL)
    {
      g_autofree char *hash = ks_sha256_hex (body, strlen (body));
      g_autofree char *want = must (word_after (section, "SHA256(body)"), "SHA256(body)");

      g_assert_cmpstr (hash, ==, want);
      ks_sigv4_request_set_payload_hash (req, hash);
    }
  if (key != NULL)
    {
      g_autofree char *path = g_strconcat ("/", key, NULL);

      g_assert_cmpstr (ks_sigv4_request_get_path (req), ==, path);
    }
  check_header_signature (&in, req, section);
  got = ks_sigv4_canonical_request (req, KS_SIGV4_FLAVOR_S3, NULL);
  g_assert_cmpstr (got, ==, creq);
}

/* Examples 4 and 5 give the target in the title and only hashes. */
static void
test_s3_header_bucket_example (gconstpointer data)
{
  guint n = GPOINTER_TO_UINT (data);
  g_auto (S3Inputs) in = { 0 };
  g_autofree char *start = g_strdup_printf ("EXAMPLE %u:", n);
  g_autofree char *title = NULL, *want_query = NULL, *got_query = NULL;
  g_autoptr (KsSigv4Request) req = NULL;
  g_autoptr (GError) error = NULL;
  const char *section;
  char       *target, *q;

  if (!read_s3_inputs (&in))
    return;
  section = strstr (in.text, start);
  g_assert_nonnull (section);
  title = first_line (section);
  target = strrchr (title, ' ') + 1;
  q = strchr (target, '?');
  g_assert_nonnull (q);
  *q++ = '\0';
  req = ks_sigv4_request_new_from_target ("GET", target, q, &error);
  g_assert_no_error (error);
  ks_sigv4_request_add_header (req, "Host", in.host);
  ks_sigv4_request_set_payload_hash (req, KS_SIGV4_EMPTY_SHA256);

  want_query = must (between (section, "canonical query string = \"", "\""), "query");
  got_query = ks_sigv4_canonical_query (req);
  g_assert_cmpstr (got_query, ==, want_query);
  check_header_signature (&in, req, section);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  g_autoptr (GPtrArray) cases = NULL;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/sigv4-testsuite/count", test_suite_count);
  /* Registration needs the case list; when the data is absent the count
   * test above reports it (skipped, or failed under CI). */
  dir = ks_test_shared_path (SUITE_DIR);
  cases = dir != NULL ? list_cases (dir) : g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < cases->len; i++)
    {
      g_autofree char *name = g_strdup_printf ("/sigv4-testsuite/%s", (char *) cases->pdata[i]);

      g_test_add_data_func (name, cases->pdata[i], test_suite_case);
    }

  g_test_add_func ("/sigv4-s3/signing-key", test_s3_signing_key);
  g_test_add_func ("/sigv4-s3/iam-signing-key", test_iam_signing_key);
  g_test_add_func ("/sigv4-s3/presign/example-1", test_s3_presign_example);
  g_test_add_func ("/sigv4-s3/presign/additional", test_s3_presign_additional);
  g_test_add_data_func ("/sigv4-s3/header/example-2", GUINT_TO_POINTER (2), test_s3_header_example);
  g_test_add_data_func ("/sigv4-s3/header/example-3", GUINT_TO_POINTER (3), test_s3_header_example);
  g_test_add_data_func ("/sigv4-s3/header/example-4", GUINT_TO_POINTER (4),
                        test_s3_header_bucket_example);
  g_test_add_data_func ("/sigv4-s3/header/example-5", GUINT_TO_POINTER (5),
                        test_s3_header_bucket_example);

  return g_test_run ();
}
