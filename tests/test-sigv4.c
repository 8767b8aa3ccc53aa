/* test-sigv4.c: SigV4 encoding rules, sign/verify round trips, tampering
 * and malformed input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-sigv4.h"
#include "ks-test-util.h"

#define ACCESS_KEY "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define OTHER_KEY "AKIDOTHER"
#define OTHER_SECRET "another-secret-of-forty-characters-0000"
#define HOST "examplebucket.s3.amazonaws.com"
#define AMZ_DATE "20130524T000000Z"
#define SIGNED_AT G_GINT64_CONSTANT (1369353600) /* AMZ_DATE as Unix time */
#define CHECKSUM "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
#define TOKEN "FQoGZXIvYXdzEXAMPLE//token+with/slashes=="
#define TOKEN_PARAM "X-Amz-Security-Token=FQoGZXIvYXdzEXAMPLE%2F%2Ftoken%2Bwith%2Fslashes%3D%3D"
#define SIGNED_LIST "X-Amz-SignedHeaders=content-length%3Bhost%3Bx-amz-checksum-sha256"
#define BODY_HASH "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static const KsSigv4Credentials creds = { ACCESS_KEY, SECRET, NULL, "us-east-1", "s3" };

static const char *
lookup_cb (const char *access_key_id,
           gpointer    user_data)
{
  const char *wrong_secret = user_data;

  if (strcmp (access_key_id, ACCESS_KEY) == 0)
    return wrong_secret != NULL ? wrong_secret : SECRET;
  if (strcmp (access_key_id, OTHER_KEY) == 0)
    return OTHER_SECRET;

  return NULL;
}

static GDateTime *
time_at (gint64 unix_time)
{
  return g_date_time_new_from_unix_utc (unix_time);
}

/* Verifies @req at @now; returns the error, asserting there is exactly one
 * of error and result and that no message leaks the secret. */
static GError *
verify_at (const KsSigv4Request *req,
           gint64                now,
           const char           *wrong_secret)
{
  g_autoptr (GDateTime) when = time_at (now);
  KsSigv4VerifyOptions opts = { "us-east-1", "s3", when, 0, lookup_cb, (gpointer) wrong_secret };
  g_autoptr (KsSigv4Auth) auth = NULL;
  GError *error = NULL;

  auth = ks_sigv4_verify (req, &opts, &error);
  g_assert_true ((auth == NULL) != (error == NULL));
  if (error != NULL)
    {
      g_assert_true (error->domain == KS_SIGV4_ERROR);
      g_assert_null (strstr (error->message, SECRET));
    }

  return error;
}

static void
assert_verifies (const KsSigv4Request *req,
                 gint64                now)
{
  g_autoptr (GError) error = verify_at (req, now, NULL);

  g_assert_no_error (error);
}

static void
assert_refused (const KsSigv4Request *req,
                gint64                now,
                KsSigv4Error          code)
{
  g_autoptr (GError) error = verify_at (req, now, NULL);

  g_assert_error (error, KS_SIGV4_ERROR, (int) code);
}

/* A request as a server receives it, written as text:
 * "METHOD /raw/target?raw=query" then "Name: value" lines. */
static KsSigv4Request *
parse_wire (const char *text,
            GError    **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  const char      *space = strchr (lines[0], ' ');
  g_autofree char *method = NULL;
  g_autofree char *target = NULL;
  g_autoptr (KsSigv4Request) req = NULL;
  char *query;

  g_assert_nonnull (space);
  method = g_strndup (lines[0], space - lines[0]);
  target = g_strdup (space + 1);
  query = strchr (target, '?');
  if (query != NULL)
    *query++ = '\0';
  req = ks_sigv4_request_new_from_target (method, target, query, error);
  for (guint i = 1; req != NULL && lines[i] != NULL; i++)
    {
      char *colon = strstr (lines[i], ": ");

      g_assert_nonnull (colon);
      *colon = '\0';
      ks_sigv4_request_add_header (req, lines[i], colon + 2);
    }

  return g_steal_pointer (&req);
}

/* "scheme://host/path?query" received with @method and @headers. */
static char *
wire_from_url (const char *method,
               const char *url,
               const char *headers)
{
  const char *authority = strstr (url, "://") + 3;
  const char *target = authority + strcspn (authority, "/");

  return g_strdup_printf ("%s %s\nHost: %.*s%s", method, target,
                          (int) (target - authority), authority, headers);
}

/* Encoding rules */

static void
test_encode_path (void)
{
  static const struct
  {
    const char *in, *s3, *generic;
  } cases[] = {
    { "/photos/2026/été 1.jpg", "/photos/2026/%C3%A9t%C3%A9%201.jpg", NULL },
    { "/emoji/😀", "/emoji/%F0%9F%98%80", NULL },
    { "/a+b", "/a%2Bb", NULL },
    { "/100%", "/100%25", NULL },
    { "/%20", "/%2520", NULL },
    { "/~user/-._", "/~user/-._", NULL },
    { "/test$file.text", "/test%24file.text", NULL },
    { "/q?x#y&z=1", "/q%3Fx%23y%26z%3D1", NULL },
    { "/a/b//c/./../d", "/a/b//c/./../d", "/a/b/d" },
    { "//example//", "//example//", "/example/" },
    { "/a/b/..", "/a/b/..", "/a" },
    { "/../..", "/../..", "/" },
    { "key", "/key", "/key" },
    { "", "/", "/" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s3 = ks_sigv4_encode_path (cases[i].in, KS_SIGV4_FLAVOR_S3);
      g_autofree char *generic = ks_sigv4_encode_path (cases[i].in, KS_SIGV4_FLAVOR_GENERIC);

      g_assert_cmpstr (s3, ==, cases[i].s3);
      g_assert_cmpstr (generic, ==, cases[i].generic != NULL ? cases[i].generic : cases[i].s3);
    }
}

static void
test_canonical_query (void)
{
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("GET", "/");
  g_autofree char *query = NULL;

  ks_sigv4_request_add_query (req, "plus+", "1+1");
  ks_sigv4_request_add_query (req, "k", "2");
  ks_sigv4_request_add_query (req, "a b", "x/y");
  ks_sigv4_request_add_query (req, "X-Amz-Signature", "excluded");
  ks_sigv4_request_add_query (req, "empty", NULL);
  ks_sigv4_request_add_query (req, "é", "ü");
  ks_sigv4_request_add_query (req, "k", "1");
  ks_sigv4_request_add_query (req, "pct%", "%");
  ks_sigv4_request_add_query (req, "tilde~", "~");
  ks_sigv4_request_add_query (req, "$", "$&=");
  ks_sigv4_request_add_query (req, "Upper", "");

  query = ks_sigv4_canonical_query (req);
  g_assert_cmpstr (query, ==,
                   "%24=%24%26%3D&%C3%A9=%C3%BC&Upper=&a%20b=x%2Fy&empty=&k=1&k=2"
                   "&pct%25=%25&plus%2B=1%2B1&tilde~=~");
}

static void
test_canonical_headers (void)
{
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("PUT", "/a b");
  const char *const only[] = { "host", "x-multi", NULL };
  g_autofree char  *all = NULL;
  g_autofree char  *some = NULL;

  ks_sigv4_request_add_header (req, "X-Multi", "  one  ");
  ks_sigv4_request_add_header (req, "Host", HOST);
  ks_sigv4_request_add_header (req, "Content-Type", "\ttext/plain;   charset=utf-8 ");
  ks_sigv4_request_add_header (req, "x-multi", "two   words\t here");
  ks_sigv4_request_add_header (req, "X-EMPTY", "   ");
  ks_sigv4_request_add_header (req, "Authorization", "never signed");
  ks_sigv4_request_set_payload_hash (req, BODY_HASH);

  all = ks_sigv4_canonical_request (req, KS_SIGV4_FLAVOR_S3, NULL);
  g_assert_cmpstr (all, ==,
                   "PUT\n/a%20b\n\n"
                   "content-type:text/plain; charset=utf-8\n"
                   "host:" HOST "\n"
                   "x-empty:\n"
                   "x-multi:one,two words here\n\n"
                   "content-type;host;x-empty;x-multi\n" BODY_HASH);
  some = ks_sigv4_canonical_request (req, KS_SIGV4_FLAVOR_S3, only);
  g_assert_cmpstr (some, ==,
                   "PUT\n/a%20b\n\nhost:" HOST "\nx-multi:one,two words here\n\n"
                   "host;x-multi\n" BODY_HASH);
}

static void
test_from_target (void)
{
  g_autoptr (KsSigv4Request) req = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *query = NULL;

  req = ks_sigv4_request_new_from_target ("PUT", "/photo%201%2B2.jpg",
                                          "a=1&b&c=%2F&&d=x+y&e=%E6%97%A5&=v", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_sigv4_request_get_method (req), ==, "PUT");
  g_assert_cmpstr (ks_sigv4_request_get_path (req), ==, "/photo 1+2.jpg");
  g_assert_cmpstr (ks_sigv4_request_get_query (req, "b"), ==, "");
  g_assert_cmpstr (ks_sigv4_request_get_query (req, "c"), ==, "/");
  g_assert_cmpstr (ks_sigv4_request_get_query (req, "d"), ==, "x+y");
  g_assert_cmpstr (ks_sigv4_request_get_query (req, "e"), ==, "日");
  g_assert_null (ks_sigv4_request_get_query (req, "f"));
  query = ks_sigv4_canonical_query (req);
  g_assert_cmpstr (query, ==, "=v&a=1&b=&c=%2F&d=x%2By&e=%E6%97%A5");
}

static void
test_from_target_refused (void)
{
  static const char *const bad[][3] = {
    { "GET", "/a%zz", NULL },
    { "GET", "/a%4", NULL },
    { "GET", "/a%", NULL },
    { "GET", "/a%00b", NULL },
    { "GET", "/a%FF", NULL },
    { "GET", "/%C3", NULL },
    { "GET", "noslash", NULL },
    { "GET", "", NULL },
    { "", "/", NULL },
    { "G ET", "/", NULL },
    { "GET\n", "/", NULL },
    { "GET", "/", "a=%zz" },
    { "GET", "/", "a%00=1" },
    { "GET", "/", "a=%ff" },
    { "GET", "/", "%=1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KsSigv4Request) req = NULL;

      req = ks_sigv4_request_new_from_target (bad[i][0], bad[i][1], bad[i][2], &error);
      g_assert_null (req);
      g_assert_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED);
    }
}

static void
test_amz_date (void)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_offset (2 * 3600);
  g_autoptr (GDateTime) local = g_date_time_new (tz, 2013, 5, 24, 2, 0, 0);
  g_autofree char *text = ks_sigv4_format_amz_date (local);

  g_assert_cmpstr (text, ==, AMZ_DATE);
}

/* Presigning */

static char *
fixture_url (const KsSigv4Credentials *c,
             guint                     expires)
{
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("PUT", "/uploads/photo 1+2.jpg");
  g_autoptr (GDateTime) now = time_at (SIGNED_AT);
  g_autoptr (GError) error = NULL;
  char *url;

  ks_sigv4_request_add_query (req, "partNumber", "7");
  ks_sigv4_request_add_query (req, "uploadId", "VXBsb2Fk/ID==");
  ks_sigv4_request_add_header (req, "Content-Length", "10");
  ks_sigv4_request_add_header (req, "x-amz-checksum-sha256", CHECKSUM);
  url = ks_sigv4_presign_url ("https://" HOST, req, c, now, expires, &error);
  g_assert_no_error (error);

  return url;
}

static char *
fixture_wire (void)
{
  g_autofree char *url = fixture_url (&creds, 86400);

  return wire_from_url ("PUT", url, "\nContent-Length: 10\nx-amz-checksum-sha256: " CHECKSUM);
}

static void
test_presign_fixture (void)
{
  g_autofree char *url = fixture_url (&creds, 86400);
  g_autofree char *wire = fixture_wire ();
  g_autoptr (KsSigv4Request) req = parse_wire (wire, NULL);
  g_autoptr (GDateTime) now = time_at (SIGNED_AT);
  KsSigv4VerifyOptions opts = { "us-east-1", "s3", now, 0, lookup_cb, NULL };
  g_autoptr (KsSigv4Auth) auth = NULL;
  g_autoptr (GError) error = NULL;
  const char *const want_signed[] = { "content-length", "host", "x-amz-checksum-sha256", NULL };

  g_assert_true (g_str_has_prefix (url, "https://" HOST "/uploads/photo%201%2B2.jpg?"
                                        "X-Amz-Algorithm="));
  g_assert_nonnull (strstr (url, "&uploadId=VXBsb2Fk%2FID%3D%3D"));
  g_assert_nonnull (strstr (url, "&" SIGNED_LIST "&"));
  auth = ks_sigv4_verify (req, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (auth->access_key_id, ==, ACCESS_KEY);
  g_assert_true (g_strv_equal ((const char *const *) auth->signed_headers, want_signed));
  g_assert_cmpstr (auth->payload_hash, ==, KS_SIGV4_UNSIGNED_PAYLOAD);
  g_assert_true (auth->presigned);
  g_assert_cmpint (auth->expires_at_unix, ==, SIGNED_AT + 86400);

  /* Expiry and skew bounds are inclusive. */
  assert_verifies (req, SIGNED_AT + 86400);
  assert_verifies (req, SIGNED_AT - 900);
}

static void
test_presign_expiry_time (void)
{
  g_autofree char *wire = fixture_wire ();
  g_autoptr (KsSigv4Request) req = parse_wire (wire, NULL);
  g_autoptr (GError) expired = verify_at (req, SIGNED_AT + 86401, NULL);
  g_autoptr (GError) future = verify_at (req, SIGNED_AT - 901, NULL);

  g_assert_error (expired, KS_SIGV4_ERROR, KS_SIGV4_ERROR_EXPIRED);
  g_assert_nonnull (strstr (expired->message, "Signature expired at 20130525T000000Z"));
  g_assert_error (future, KS_SIGV4_ERROR, KS_SIGV4_ERROR_EXPIRED);
}

static void
test_presign_bad_expires (void)
{
  static const guint bad[] = { 0, KS_SIGV4_MAX_EXPIRES + 1, G_MAXUINT };
  g_autoptr (GDateTime) now = time_at (SIGNED_AT);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("GET", "/k");
      g_autoptr (GError) error = NULL;
      g_autofree char *url = NULL;

      url = ks_sigv4_presign_url ("https://" HOST, req, &creds, now, bad[i], &error);

      g_assert_null (url);
      g_assert_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_BAD_EXPIRES);
    }
}

static void
test_presign_endpoints (void)
{
  static const char *const good[][2] = {
    { "https://h.example", "https://h.example/k?" },
    { "https://h.example/", "https://h.example/k?" },
    { "https://h.example:443", "https://h.example/k?" },
    { "http://h.example:80", "http://h.example/k?" },
    { "http://127.0.0.1:8080", "http://127.0.0.1:8080/k?" },
    { "https://h.example:80", "https://h.example:80/k?" },
    { "http://[::1]:9000", "http://[::1]:9000/k?" },
    { "http://[::1]", "http://[::1]/k?" },
  };
  static const char *const bad[] = {
    "ftp://h",
    "https://",
    "https:/h",
    "h.example",
    "https://h/path",
    "https://h:99999",
    "https://h:abc",
    "https://h:",
    "https://h:+80",
    "https://[::1",
    "https://user@h",
    "https://h?x",
    "https://h#x",
    "https://h x",
    "",
  };
  g_autoptr (GDateTime) now = time_at (SIGNED_AT);

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("GET", "/k");
      g_autoptr (GError) error = NULL;
      g_autofree char *url = ks_sigv4_presign_url (good[i][0], req, &creds, now, 60, &error);
      g_autofree char *wire = NULL;
      g_autoptr (KsSigv4Request) received = NULL;

      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (url, good[i][1]));
      wire = wire_from_url ("GET", url, "");
      received = parse_wire (wire, NULL);
      assert_verifies (received, SIGNED_AT);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("GET", "/k");
      g_autoptr (GError) error = NULL;
      g_autofree char *url = ks_sigv4_presign_url (bad[i], req, &creds, now, 60, &error);

      g_assert_null (url);
      g_assert_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED);
    }
}

/* Presigning twice must not pile up X-Amz-* parameters. */
static void
test_presign_twice (void)
{
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("GET", "/k");
  g_autoptr (GDateTime) now = time_at (SIGNED_AT);
  g_autofree char *first = ks_sigv4_presign_url ("https://" HOST, req, &creds, now, 60, NULL);
  g_autofree char *second = ks_sigv4_presign_url ("https://" HOST, req, &creds, now, 60, NULL);

  g_assert_cmpstr (first, ==, second);
}

/* Short names for the tampering tables. */
#define MISMATCH KS_SIGV4_ERROR_SIGNATURE_MISMATCH
#define MALFORMED KS_SIGV4_ERROR_MALFORMED
#define BAD_SCOPE KS_SIGV4_ERROR_BAD_CREDENTIAL_SCOPE
#define BAD_EXPIRES KS_SIGV4_ERROR_BAD_EXPIRES
#define NOT_SIGNED KS_SIGV4_ERROR_HEADER_NOT_SIGNED
#define BAD_ALGORITHM KS_SIGV4_ERROR_UNSUPPORTED_ALGORITHM
#define UNKNOWN_KEY KS_SIGV4_ERROR_UNKNOWN_ACCESS_KEY
#define NO_AUTH KS_SIGV4_ERROR_MISSING_AUTH
/* A tampering that changes nothing the signature covers. */
#define ACCEPTED ((KsSigv4Error) -1)

typedef struct
{
  const char  *from; /* must occur exactly once */
  const char  *to;
  KsSigv4Error code;
} Tamper;

static const Tamper presign_tampers[] = {
  { "PUT ", "POST ", MISMATCH },
  { "PUT ", "put ", MISMATCH },
  { "partNumber=7", "partNumber=8", MISMATCH },
  { "partNumber=7&", "", MISMATCH },
  { "partNumber=7", "partNumber=7&extra=1", MISMATCH },
  { "partNumber=7", "partNumber=7&extra", MISMATCH },
  { "partNumber=7", "partNumber=7&partNumber=7", MISMATCH },
  { "partNumber=7", "PartNumber=7", MISMATCH },
  { "X-Amz-Expires=86400", "X-Amz-Expires=86401", MISMATCH },
  { "X-Amz-Expires=86400", "X-Amz-Expires=086400", MISMATCH },
  { "X-Amz-Expires=86400", "X-Amz-Expires=0", BAD_EXPIRES },
  { "X-Amz-Expires=86400", "X-Amz-Expires=604801", BAD_EXPIRES },
  { "X-Amz-Expires=86400", "X-Amz-Expires=99999999999999999999", BAD_EXPIRES },
  { "X-Amz-Expires=86400", "X-Amz-Expires=abc", BAD_EXPIRES },
  { "X-Amz-Expires=86400", "X-Amz-Expires=-1", BAD_EXPIRES },
  { "X-Amz-Expires=86400", "X-Amz-Expires=%2B86400", BAD_EXPIRES },
  { "X-Amz-Expires=86400", "X-Amz-Expires=%2086400", BAD_EXPIRES },
  { "X-Amz-Expires=86400", "X-Amz-Expires=", BAD_EXPIRES },
  { "X-Amz-Expires=86400&", "", MALFORMED },
  { "X-Amz-Date=20130524T000000Z", "X-Amz-Date=20130524T000001Z", MISMATCH },
  { "X-Amz-Date=20130524T000000Z", "X-Amz-Date=20130525T000000Z", BAD_SCOPE },
  { "X-Amz-Date=20130524T000000Z", "X-Amz-Date=2013-05-24", MALFORMED },
  { "X-Amz-Date=20130524T000000Z", "X-Amz-Date=20130532T000000Z", MALFORMED },
  { "X-Amz-Date=20130524T000000Z", "X-Amz-Date=20130524T240000Z", MALFORMED },
  { "X-Amz-Date=20130524T000000Z&", "", MALFORMED },
  { "=AKIAIOSFODNN7EXAMPLE%2F", "=AKIAUNKNOWN%2F", UNKNOWN_KEY },
  { "=AKIAIOSFODNN7EXAMPLE%2F", "=" OTHER_KEY "%2F", MISMATCH },
  { "%2F20130524%2F", "%2F20130523%2F", BAD_SCOPE },
  { "%2Fus-east-1%2F", "%2Feu-west-1%2F", BAD_SCOPE },
  { "%2Fs3%2F", "%2Fiam%2F", BAD_SCOPE },
  { "%2Faws4_request", "%2Faws4_reques", BAD_SCOPE },
  { "%2Faws4_request", "", MALFORMED },
  { "%2Faws4_request", "%2Faws4_request%2Fx", MALFORMED },
  { "X-Amz-Credential=", "X-Amz-Credential=%2F", MALFORMED },
  { "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA512", BAD_ALGORITHM },
  { "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=", MALFORMED },
  { "X-Amz-Algorithm=AWS4-HMAC-SHA256&", "", MALFORMED },
  { "partNumber=7", "partNumber=7&X-Amz-Date=20130524T000000Z", MALFORMED },
  { SIGNED_LIST, "X-Amz-SignedHeaders=host%3Bx-amz-checksum-sha256", MISMATCH },
  { SIGNED_LIST, "X-Amz-SignedHeaders=content-length%3Bx-amz-checksum-sha256", NOT_SIGNED },
  { SIGNED_LIST, "X-Amz-SignedHeaders=content-length%3Bhost", NOT_SIGNED },
  { SIGNED_LIST, "X-Amz-SignedHeaders=host%3Bcontent-length%3Bx-amz-checksum-sha256", MALFORMED },
  { SIGNED_LIST, SIGNED_LIST "%3Bx-extra", MALFORMED },
  { SIGNED_LIST, SIGNED_LIST "%3B", MALFORMED },
  { SIGNED_LIST, "X-Amz-SignedHeaders=Content-Length%3Bhost%3Bx-amz-checksum-sha256", MALFORMED },
  { "X-Amz-Signature=", "X-Amz-Signature=0", MALFORMED },
  { "X-Amz-Signature=", "X-Amz-Foo=", MALFORMED },
  { "\nHost: ", "\nHost: evil.", MISMATCH },
  { "\nHost: " HOST, "", MALFORMED },
  { "Content-Length: 10", "Content-Length: 11", MISMATCH },
  { "Content-Length: 10", "Content-Length: 10\nContent-Length: 10", MISMATCH },
  { "\nContent-Length: 10", "", MALFORMED },
  { CHECKSUM, "AAAA", MISMATCH },
  { "Content-Length: 10", "Content-Length: 10\nX-Amz-Meta-Evil: 1", NOT_SIGNED },
  { "Content-Length: 10", "Content-Length: 10\nx-amz-security-token: t", NOT_SIGNED },
  { "Content-Length: 10", "Content-Length: 10\nAuthorization: AWS4-HMAC-SHA256 x", MALFORMED },
};

static char *
tampered (const char *wire,
          const char *from,
          const char *to)
{
  const char *at = strstr (wire, from);

  g_assert_nonnull (at);
  g_assert_null (strstr (at + 1, from));

  return g_strdup_printf ("%.*s%s%s", (int) (at - wire), wire, to, at + strlen (from));
}

static void
run_tampers (const char   *wire,
             const Tamper *tampers,
             gsize         n_tampers)
{
  for (gsize i = 0; i < n_tampers; i++)
    {
      g_autofree char *bad = tampered (wire, tampers[i].from, tampers[i].to);
      g_autoptr (KsSigv4Request) req = parse_wire (bad, NULL);
      g_autoptr (GError) error = NULL;

      g_test_message ("'%s' -> '%s'", tampers[i].from, tampers[i].to);
      g_assert_nonnull (req);
      error = verify_at (req, SIGNED_AT, NULL);
      if (tampers[i].code == ACCEPTED)
        g_assert_no_error (error);
      else
        g_assert_error (error, KS_SIGV4_ERROR, (int) tampers[i].code);
    }
}

static void
test_presign_tampering (void)
{
  g_autofree char *wire = fixture_wire ();
  g_autoptr (KsSigv4Request) req = parse_wire (wire, NULL);

  assert_verifies (req, SIGNED_AT);
  run_tampers (wire, presign_tampers, G_N_ELEMENTS (presign_tampers));
}

/* Every hex digit of the signature, and its case, matters. */
static void
test_presign_signature_bytes (void)
{
  g_autofree char *wire = fixture_wire ();
  char            *sig = strstr (wire, "X-Amz-Signature=") + strlen ("X-Amz-Signature=");

  for (guint i = 0; i < 64; i++)
    {
      char saved = sig[i];
      g_autoptr (KsSigv4Request) flipped = NULL;
      g_autoptr (KsSigv4Request) upper = NULL;

      sig[i] = saved == '0' ? '1' : '0';
      flipped = parse_wire (wire, NULL);
      assert_refused (flipped, SIGNED_AT, KS_SIGV4_ERROR_SIGNATURE_MISMATCH);
      sig[i] = g_ascii_toupper (saved);
      upper = parse_wire (wire, NULL);
      if (sig[i] != saved)
        assert_refused (upper, SIGNED_AT, KS_SIGV4_ERROR_MALFORMED);
      sig[i] = saved;
    }
}

/* Changing any byte of the path breaks the signature. */
static void
test_presign_path_bytes (void)
{
  g_autofree char *wire = fixture_wire ();
  char            *path = strchr (wire, '/');
  gsize            len = strcspn (path, "?");

  for (gsize i = 1; i < len; i++)
    {
      char saved = path[i];
      g_autoptr (KsSigv4Request) req = NULL;
      g_autoptr (GError) error = NULL;

      if (saved == '%' || (i >= 2 && path[i - 1] == '%') || (i >= 3 && path[i - 2] == '%'))
        continue; /* escapes are covered by the decoding tests */
      path[i] = saved == 'x' ? 'y' : 'x';
      req = parse_wire (wire, &error);
      g_assert_no_error (error);
      assert_refused (req, SIGNED_AT, KS_SIGV4_ERROR_SIGNATURE_MISMATCH);
      path[i] = saved;
    }
}

/* Different encodings of the same decoded request are the same request. */
static void
test_presign_equivalent_encodings (void)
{
  g_autofree char *wire = fixture_wire ();
  g_autofree char *slash = tampered (wire, "uploadId=VXBsb2Fk%2FID", "uploadId=VXBsb2Fk/ID");
  g_autofree char *lower = tampered (slash, "photo%201%2B2", "photo%201%2b2");
  g_autofree char *moved = tampered (lower, "partNumber=7&", "");
  const char      *nl = strchr (moved, '\n');
  g_autofree char *reordered = NULL;
  g_autoptr (KsSigv4Request) req = NULL;

  /* Parameters in another order, too. */
  reordered = g_strdup_printf ("%.*s&partNumber=7%s", (int) (nl - moved), moved, nl);
  req = parse_wire (reordered, NULL);
  assert_verifies (req, SIGNED_AT);
}

/* A correctly signed presigned URL that does not sign host. */
static void
test_presign_unsigned_host (void)
{
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("GET", "/k");
  const char *const signed_headers[] = { "x-custom", NULL };
  g_autofree char  *creq = NULL, *sts = NULL, *sig = NULL;
  guint8            key[32], mac[32];

  ks_sigv4_request_add_query (req, "X-Amz-Algorithm", KS_SIGV4_ALGORITHM);
  ks_sigv4_request_add_query (req, "X-Amz-Credential",
                              ACCESS_KEY "/20130524/us-east-1/s3/aws4_request");
  ks_sigv4_request_add_query (req, "X-Amz-Date", AMZ_DATE);
  ks_sigv4_request_add_query (req, "X-Amz-Expires", "60");
  ks_sigv4_request_add_query (req, "X-Amz-SignedHeaders", "x-custom");
  ks_sigv4_request_add_header (req, "Host", HOST);
  ks_sigv4_request_add_header (req, "X-Custom", "1");
  ks_sigv4_request_set_payload_hash (req, KS_SIGV4_UNSIGNED_PAYLOAD);
  creq = ks_sigv4_canonical_request (req, KS_SIGV4_FLAVOR_S3, signed_headers);
  sts = ks_sigv4_string_to_sign (AMZ_DATE, "20130524/us-east-1/s3/aws4_request", creq);
  ks_sigv4_signing_key (SECRET, "20130524", "us-east-1", "s3", key);
  ks_hmac_sha256 (key, sizeof key, sts, strlen (sts), mac);
  sig = ks_hex_encode (mac, sizeof mac);
  ks_sigv4_request_add_query (req, "X-Amz-Signature", sig);

  assert_refused (req, SIGNED_AT, KS_SIGV4_ERROR_HEADER_NOT_SIGNED);
}

static void
test_presign_session_token (void)
{
  KsSigv4Credentials with_token = creds;
  g_autofree char   *url = NULL, *wire = NULL, *changed = NULL, *removed = NULL;
  g_autoptr (KsSigv4Request) req = NULL, bad = NULL, gone = NULL;

  with_token.session_token = TOKEN;
  url = fixture_url (&with_token, 3600);
  g_assert_nonnull (strstr (url, "&" TOKEN_PARAM "&"));
  wire = wire_from_url ("PUT", url, "\nContent-Length: 10\nx-amz-checksum-sha256: " CHECKSUM);
  req = parse_wire (wire, NULL);
  assert_verifies (req, SIGNED_AT);

  changed = tampered (wire, "EXAMPLE%2F%2Ftoken", "EXAMPLE%2Ftoken");
  bad = parse_wire (changed, NULL);
  assert_refused (bad, SIGNED_AT, KS_SIGV4_ERROR_SIGNATURE_MISMATCH);
  removed = tampered (wire, "&" TOKEN_PARAM, "");
  gone = parse_wire (removed, NULL);
  assert_refused (gone, SIGNED_AT, KS_SIGV4_ERROR_SIGNATURE_MISMATCH);
}

static void
test_presign_wrong_secret (void)
{
  g_autofree char *wire = fixture_wire ();
  g_autoptr (KsSigv4Request) req = parse_wire (wire, NULL);
  g_autoptr (GError) error = verify_at (req, SIGNED_AT, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEX");

  g_assert_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_SIGNATURE_MISMATCH);
}

/* The signer may pin the body with a signed x-amz-content-sha256. */
static void
test_presign_signed_payload_hash (void)
{
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("PUT", "/k");
  g_autoptr (GDateTime) now = time_at (SIGNED_AT);
  g_autofree char *url = NULL, *wire = NULL;
  g_autoptr (KsSigv4Request) received = NULL;
  g_autoptr (KsSigv4Auth) auth = NULL;
  KsSigv4VerifyOptions opts = { "us-east-1", "s3", now, 0, lookup_cb, NULL };

  ks_sigv4_request_add_header (req, "x-amz-content-sha256", BODY_HASH);
  url = ks_sigv4_presign_url ("https://" HOST, req, &creds, now, 60, NULL);
  wire = wire_from_url ("PUT", url, "\nx-amz-content-sha256: " BODY_HASH);
  received = parse_wire (wire, NULL);
  auth = ks_sigv4_verify (received, &opts, NULL);
  g_assert_nonnull (auth);
  g_assert_cmpstr (auth->payload_hash, ==, BODY_HASH);
}

/* Header authentication */

static char *
header_fixture (const KsSigv4Credentials *c)
{
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("PUT", "/uploads/photo 1+2.jpg");
  g_autoptr (GDateTime) now = time_at (SIGNED_AT);
  g_autofree char *authz = NULL, *path = NULL, *query = NULL, *token = NULL;

  ks_sigv4_request_add_query (req, "partNumber", "7");
  ks_sigv4_request_add_header (req, "Host", HOST);
  ks_sigv4_request_add_header (req, "Content-Type", "image/jpeg");
  ks_sigv4_request_set_payload_hash (req, BODY_HASH);
  authz = ks_sigv4_sign_request (req, c, now, KS_SIGV4_FLAVOR_S3);
  g_assert_cmpstr (ks_sigv4_request_get_header (req, "X-Amz-Date"), ==, AMZ_DATE);
  g_assert_cmpstr (ks_sigv4_request_get_header (req, "x-amz-content-sha256"), ==, BODY_HASH);

  path = ks_sigv4_encode_path (ks_sigv4_request_get_path (req), KS_SIGV4_FLAVOR_S3);
  query = ks_sigv4_canonical_query (req);
  if (c->session_token != NULL)
    token = g_strdup_printf ("\nX-Amz-Security-Token: %s", c->session_token);
  return g_strdup_printf ("PUT %s?%s\nHost: " HOST "\nContent-Type: image/jpeg\n"
                          "X-Amz-Date: " AMZ_DATE "\nX-Amz-Content-Sha256: " BODY_HASH
                          "%s\nAuthorization: %s",
                          path, query, token ? token : "", authz);
}

static const Tamper header_tampers[] = {
  { "PUT ", "POST ", MISMATCH },
  { "photo%201", "photo%202", MISMATCH },
  { "partNumber=7", "partNumber=8", MISMATCH },
  { "partNumber=7", "partNumber=7&extra", MISMATCH },
  { "?partNumber=7", "", MISMATCH },
  { "partNumber=7", "partNumber=7&X-Amz-Signature=00", MALFORMED },
  { "Content-Type: image/jpeg", "Content-Type: image/png", MISMATCH },
  { "Content-Type: image/jpeg", "Content-Type:  image/jpeg ", ACCEPTED },
  { "\nHost: " HOST, "\nHost: evil." HOST, MISMATCH },
  { "X-Amz-Date: " AMZ_DATE, "X-Amz-Date: 20130524T000001Z", MISMATCH },
  { "X-Amz-Date: " AMZ_DATE, "X-Amz-Date: 20130525T000000Z", BAD_SCOPE },
  { "X-Amz-Date: " AMZ_DATE, "X-Amz-Date: Fri, 24 May 2013 00:00:00 GMT", MALFORMED },
  { "\nX-Amz-Date: " AMZ_DATE, "", MALFORMED },
  { "X-Amz-Date: " AMZ_DATE, "X-Amz-Date: " AMZ_DATE "\nX-Amz-Date: " AMZ_DATE, MALFORMED },
  { "Sha256: " BODY_HASH, "Sha256: " KS_SIGV4_EMPTY_SHA256, MISMATCH },
  { "Sha256: " BODY_HASH, "Sha256: " KS_SIGV4_UNSIGNED_PAYLOAD, MISMATCH },
  { "Sha256: " BODY_HASH, "Sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD", MALFORMED },
  { "\nX-Amz-Content-Sha256: " BODY_HASH, "", MALFORMED },
  { "Authorization: AWS4-HMAC-SHA256 ", "Authorization: AWS4-HMAC-SHA1 ", BAD_ALGORITHM },
  { "Authorization: AWS4-HMAC-SHA256 ", "Authorization: ", BAD_ALGORITHM },
  { "Authorization: ", "X-Not-Authorization: ", NO_AUTH },
  { "Authorization: ", "Authorization: x\nAuthorization: ", MALFORMED },
  { "Credential=" ACCESS_KEY "/", "Credential=AKIAUNKNOWN/", UNKNOWN_KEY },
  { "Credential=" ACCESS_KEY "/", "Credential=" OTHER_KEY "/", MISMATCH },
  { "/20130524/", "/20130525/", BAD_SCOPE },
  { "/us-east-1/", "/eu-west-1/", BAD_SCOPE },
  { "/s3/aws4_request", "/iam/aws4_request", BAD_SCOPE },
  { "/aws4_request,", "/aws4_request2,", BAD_SCOPE },
  { "/aws4_request,", ",", MALFORMED },
  { "SignedHeaders=content-type;", "SignedHeaders=", MISMATCH },
  { "content-type;host;", "content-type;", NOT_SIGNED },
  { ";x-amz-date,", ",", NOT_SIGNED },
  { ";x-amz-date,", ";x-amz-date;x-other,", MALFORMED },
  { "content-type;host;", "host;content-type;", MALFORMED },
  { ", SignedHeaders=", ", SignedHeaders=host, SignedHeaders=", MALFORMED },
  { ", Signature=", ", Bogus=1, Signature=", MALFORMED },
  { ", Signature=", ", Signature", MALFORMED },
  { ", Signature=", ", Signature=0", MALFORMED },
  { ", Signature=", ",Signature=", ACCEPTED },
  { ", SignedHeaders=", " ,  SignedHeaders=", ACCEPTED },
  { "Content-Type: image/jpeg", "Content-Type: image/jpeg\nX-Amz-Meta-Evil: 1", NOT_SIGNED },
  { "Content-Type: image/jpeg", "Content-Type: image/jpeg\nX-Amz-Security-Token: t", NOT_SIGNED },
  { "Content-Type: image/jpeg", "Content-Type: image/jpeg\nX-Unrelated: 1", ACCEPTED },
};

static void
test_header_fixture (void)
{
  g_autofree char *wire = header_fixture (&creds);
  g_autoptr (KsSigv4Request) req = parse_wire (wire, NULL);
  g_autoptr (GDateTime) now = time_at (SIGNED_AT);
  KsSigv4VerifyOptions opts = { "us-east-1", "s3", now, 0, lookup_cb, NULL };
  g_autoptr (KsSigv4Auth) auth = NULL;
  g_autoptr (GError) error = NULL;
  const char *const want_signed[] = {
    "content-type", "host", "x-amz-content-sha256", "x-amz-date", NULL
  };

  auth = ks_sigv4_verify (req, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (auth->access_key_id, ==, ACCESS_KEY);
  g_assert_true (g_strv_equal ((const char *const *) auth->signed_headers, want_signed));
  g_assert_cmpstr (auth->payload_hash, ==, BODY_HASH);
  g_assert_false (auth->presigned);
}

static void
test_header_tampering (void)
{
  g_autofree char *wire = header_fixture (&creds);

  run_tampers (wire, header_tampers, G_N_ELEMENTS (header_tampers));
}

static void
test_header_skew (void)
{
  g_autofree char *wire = header_fixture (&creds);
  g_autoptr (KsSigv4Request) req = parse_wire (wire, NULL);
  g_autoptr (GDateTime) now = time_at (SIGNED_AT + 1000);
  KsSigv4VerifyOptions wide = { "us-east-1", "s3", now, 1000, lookup_cb, NULL };
  g_autoptr (KsSigv4Auth) auth = NULL;

  assert_verifies (req, SIGNED_AT + 900);
  assert_verifies (req, SIGNED_AT - 900);
  assert_refused (req, SIGNED_AT + 901, KS_SIGV4_ERROR_TIME_SKEWED);
  assert_refused (req, SIGNED_AT - 901, KS_SIGV4_ERROR_TIME_SKEWED);
  assert_refused (req, SIGNED_AT + 86400 * 365, KS_SIGV4_ERROR_TIME_SKEWED);
  auth = ks_sigv4_verify (req, &wide, NULL);
  g_assert_nonnull (auth);
}

static void
test_header_session_token (void)
{
  KsSigv4Credentials with_token = creds;
  g_autofree char   *wire = NULL, *changed = NULL, *removed = NULL;
  g_autoptr (KsSigv4Request) req = NULL, bad = NULL, gone = NULL;

  with_token.session_token = TOKEN;
  wire = header_fixture (&with_token);
  g_assert_nonnull (strstr (wire, ";x-amz-date;x-amz-security-token, Signature="));
  req = parse_wire (wire, NULL);
  assert_verifies (req, SIGNED_AT);

  changed = tampered (wire, "EXAMPLE//token", "EXAMPLE/token");
  bad = parse_wire (changed, NULL);
  assert_refused (bad, SIGNED_AT, KS_SIGV4_ERROR_SIGNATURE_MISMATCH);
  removed = tampered (wire, "\nX-Amz-Security-Token: " TOKEN, "");
  gone = parse_wire (removed, NULL);
  assert_refused (gone, SIGNED_AT, KS_SIGV4_ERROR_MALFORMED);
}

/* Signed without a Host header; the header is added on the way. */
static void
test_header_unsigned_host (void)
{
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("GET", "/k");
  g_autoptr (GDateTime) now = time_at (SIGNED_AT);
  g_autofree char *authz = ks_sigv4_sign_request (req, &creds, now, KS_SIGV4_FLAVOR_S3);

  ks_sigv4_request_add_header (req, "Authorization", authz);
  ks_sigv4_request_add_header (req, "Host", HOST);
  assert_refused (req, SIGNED_AT, KS_SIGV4_ERROR_HEADER_NOT_SIGNED);
}

static void
test_missing_auth (void)
{
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new ("GET", "/k");

  ks_sigv4_request_add_header (req, "Host", HOST);
  ks_sigv4_request_add_query (req, "x-amz-algorithm", KS_SIGV4_ALGORITHM);
  assert_refused (req, SIGNED_AT, KS_SIGV4_ERROR_MISSING_AUTH);
}

/* Generated round trips */

static const char *const key_parts[] = {
  "a",
  "Z",
  "0",
  "photo",
  " ",
  "+",
  "%",
  "~",
  "/",
  "$",
  "?",
  "#",
  "&",
  "=",
  "é",
  "日本",
  "😀",
  ".",
  "..",
  "-",
  "_",
  "'",
  "(",
  ")",
  "!",
  "*",
  ":",
  "@",
  ",",
  ";",
  "%20",
  "%2F",
  "\t",
  "\\",
  "\"",
  "<",
  "[",
  "{",
  "|",
  "^",
  "`",
};

static char *
random_text (GRand *rand,
             guint  max_parts)
{
  GString *out = g_string_new (NULL);
  guint    n = (guint) g_rand_int_range (rand, 1, (gint32) max_parts + 1);

  for (guint i = 0; i < n; i++)
    g_string_append (out, key_parts[g_rand_int_range (rand, 0, G_N_ELEMENTS (key_parts))]);

  return g_string_free (out, FALSE);
}

typedef struct
{
  const char *method;
  char       *path;
  GPtrArray  *query;   /* name, value, name, value … */
  GPtrArray  *headers; /* the same */
  char       *token;
} Generated;

static void
generated_clear (Generated *g)
{
  g_free (g->path);
  g_clear_pointer (&g->query, g_ptr_array_unref);
  g_clear_pointer (&g->headers, g_ptr_array_unref);
  g_free (g->token);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Generated, generated_clear)

static void
generate (GRand     *rand,
          Generated *g)
{
  static const char *const methods[] = { "GET", "PUT", "POST", "DELETE", "HEAD" };
  static const char *const header_names[] = {
    "Content-Length",
    "x-amz-checksum-sha256",
    "Content-Type",
    "X-Amz-Meta-Title",
    "if-match",
  };
  g_autofree char *key = random_text (rand, 12);

  g->method = methods[g_rand_int_range (rand, 0, G_N_ELEMENTS (methods))];
  g->path = g_strconcat ("/", key, NULL);
  g->query = g_ptr_array_new_with_free_func (g_free);
  g->headers = g_ptr_array_new_with_free_func (g_free);
  for (gint32 i = g_rand_int_range (rand, 0, 4); i > 0; i--)
    {
      g_ptr_array_add (g->query, random_text (rand, 3));
      g_ptr_array_add (g->query, g_rand_boolean (rand) ? random_text (rand, 4) : g_strdup (""));
    }
  for (guint i = 0; i < G_N_ELEMENTS (header_names); i++)
    {
      if (!g_rand_boolean (rand))
        continue;
      g_ptr_array_add (g->headers, g_strdup (header_names[i]));
      g_ptr_array_add (g->headers, g_strdup_printf ("v%u", g_rand_int (rand)));
    }
  if (g_rand_boolean (rand))
    g->token = random_text (rand, 8);
}

static KsSigv4Request *
generated_request (const Generated *g)
{
  KsSigv4Request *req = ks_sigv4_request_new (g->method, g->path);

  for (guint i = 0; i < g->query->len; i += 2)
    ks_sigv4_request_add_query (req, g->query->pdata[i], g->query->pdata[i + 1]);
  for (guint i = 0; i < g->headers->len; i += 2)
    ks_sigv4_request_add_header (req, g->headers->pdata[i], g->headers->pdata[i + 1]);

  return req;
}

static char *
generated_headers_text (const Generated *g)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g->headers->len; i += 2)
    g_string_append_printf (out, "\n%s: %s", (char *) g->headers->pdata[i],
                            (char *) g->headers->pdata[i + 1]);

  return g_string_free (out, FALSE);
}

static void
check_generated_auth (const KsSigv4Auth *auth,
                      const Generated   *g)
{
  g_assert_cmpstr (auth->access_key_id, ==, ACCESS_KEY);
  g_assert_true (g_strv_contains ((const char *const *) auth->signed_headers, "host"));
  for (guint i = 0; i < g->headers->len; i += 2)
    {
      g_autofree char *lname = g_ascii_strdown (g->headers->pdata[i], -1);

      g_assert_true (g_strv_contains ((const char *const *) auth->signed_headers, lname));
    }
}

static void
presign_round_trip (GRand *rand)
{
  static const char *const endpoints[] = {
    ("https://" HOST),
    "http://127.0.0.1:8080",
    "https://s3.example:443",
    "http://[::1]:9000",
  };
  g_auto (Generated) g = { 0 };
  g_autoptr (KsSigv4Request) req = NULL, received = NULL;
  g_autoptr (GDateTime) signed_at = time_at (SIGNED_AT + g_rand_int_range (rand, 0, 1 << 30));
  KsSigv4Credentials c = creds;
  guint              expires = (guint) g_rand_int_range (rand, 1, KS_SIGV4_MAX_EXPIRES + 1);
  gint64             t = g_date_time_to_unix (signed_at);
  g_autofree char   *url = NULL, *headers = NULL, *wire = NULL;
  g_autoptr (GDateTime) now = time_at (t + g_rand_int_range (rand, -900, (gint32) expires + 1));
  KsSigv4VerifyOptions opts = { "us-east-1", "s3", now, 0, lookup_cb, NULL };
  g_autoptr (KsSigv4Auth) auth = NULL;
  g_autoptr (GError) error = NULL;

  generate (rand, &g);
  c.session_token = g.token;
  req = generated_request (&g);
  url = ks_sigv4_presign_url (endpoints[g_rand_int_range (rand, 0, G_N_ELEMENTS (endpoints))],
                              req, &c, signed_at, expires, &error);
  g_assert_no_error (error);
  headers = generated_headers_text (&g);
  wire = wire_from_url (g.method, url, headers);
  received = parse_wire (wire, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_sigv4_request_get_path (received), ==, g.path);

  auth = ks_sigv4_verify (received, &opts, &error);
  g_assert_no_error (error);
  check_generated_auth (auth, &g);
  g_assert_true (auth->presigned);
  g_assert_cmpint (auth->expires_at_unix, ==, t + expires);
  assert_refused (received, t + expires + 1, KS_SIGV4_ERROR_EXPIRED);
}

/* What the server receives for a request signed with header auth. */
static char *
header_wire (const Generated      *g,
             const KsSigv4Request *signed_req,
             const char           *authz)
{
  g_autofree char *path = ks_sigv4_encode_path (g->path, KS_SIGV4_FLAVOR_S3);
  g_autofree char *query = ks_sigv4_canonical_query (signed_req);
  g_autofree char *headers = generated_headers_text (g);
  g_autofree char *token = NULL;

  if (g->token != NULL)
    token = g_strdup_printf ("\nX-Amz-Security-Token: %s", g->token);

  return g_strdup_printf ("%s %s?%s\nhost: " HOST "%s\nx-amz-date: %s\n"
                          "x-amz-content-sha256: %s%s\nAuthorization: %s",
                          g->method, path, query, headers,
                          ks_sigv4_request_get_header (signed_req, "x-amz-date"),
                          ks_sigv4_request_get_header (signed_req, "x-amz-content-sha256"),
                          token != NULL ? token : "", authz);
}

static void
header_round_trip (GRand *rand)
{
  g_auto (Generated) g = { 0 };
  g_autoptr (KsSigv4Request) req = NULL, received = NULL;
  g_autoptr (GDateTime) now = time_at (SIGNED_AT);
  KsSigv4Credentials c = creds;
  g_autofree char   *authz = NULL, *wire = NULL;
  g_autofree char   *hash = g_strdup_printf ("%064x", g_rand_int (rand));
  g_autoptr (KsSigv4Auth) auth = NULL;
  KsSigv4VerifyOptions opts = { "us-east-1", "s3", now, 0, lookup_cb, NULL };
  g_autoptr (GError) error = NULL;

  generate (rand, &g);
  c.session_token = g.token;
  req = generated_request (&g);
  ks_sigv4_request_add_header (req, "Host", HOST);
  ks_sigv4_request_set_payload_hash (req, g_rand_boolean (rand) ? hash : KS_SIGV4_UNSIGNED_PAYLOAD);
  authz = ks_sigv4_sign_request (req, &c, now, KS_SIGV4_FLAVOR_S3);

  wire = header_wire (&g, req, authz);
  received = parse_wire (wire, &error);
  g_assert_no_error (error);
  auth = ks_sigv4_verify (received, &opts, &error);
  g_assert_no_error (error);
  check_generated_auth (auth, &g);
  g_assert_false (auth->presigned);
  g_assert_cmpstr (auth->payload_hash, ==,
                   ks_sigv4_request_get_header (req, "x-amz-content-sha256"));
}

static void
test_round_trips (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (g_test_rand_int ());

  for (guint i = 0; i < 300; i++)
    {
      presign_round_trip (rand);
      header_round_trip (rand);
    }
}

/* Malformed input */

static void
verify_garbage (KsSigv4Request *req)
{
  g_autoptr (GError) error = verify_at (req, SIGNED_AT, NULL);

  g_assert_nonnull (error);
}

/* Parsing either succeeds or says MALFORMED. */
static KsSigv4Request *
parse_garbage (const char *method,
               const char *path,
               const char *query)
{
  g_autoptr (GError) error = NULL;
  KsSigv4Request *req = ks_sigv4_request_new_from_target (method, path, query, &error);

  if (req == NULL)
    g_assert_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED);
  else
    ks_sigv4_request_add_header (req, "Host", HOST);

  return req;
}

/* @s as the value of the @i-th chosen parameter of a valid presigned URL. */
static void
verify_garbage_param (const char *wire,
                      const char *s,
                      guint       i)
{
  static const char *const params[] = {
    "X-Amz-Algorithm=AWS4-HMAC-SHA256",
    "X-Amz-Expires=86400",
    ("X-Amz-Date=" AMZ_DATE),
    SIGNED_LIST,
    "partNumber=7",
    ("X-Amz-Credential=" ACCESS_KEY),
  };
  const char      *param = params[i % G_N_ELEMENTS (params)];
  g_autofree char *escaped = g_uri_escape_string (s, NULL, FALSE);
  g_autofree char *replacement = g_strdup_printf ("%.*s%s", (int) strcspn (param, "=") + 1,
                                                  param, escaped);
  g_autofree char *bad = NULL;
  g_autoptr (KsSigv4Request) req = NULL;

  /* Random bytes can spell the original value ("7"); that is no tampering. */
  if (g_str_equal (replacement, param))
    return;

  bad = tampered (wire, param, replacement);
  req = parse_wire (bad, NULL);
  if (req != NULL)
    verify_garbage (req);
}

static void
test_garbage (void)
{
  g_auto (GStrv) garbage = ks_test_garbage_strings (g_test_rand_int (), 3000);
  g_autofree char *wire = fixture_wire ();

  for (guint i = 0; garbage[i] != NULL; i++)
    {
      const char      *s = garbage[i];
      g_autofree char *slash = g_strconcat ("/", s, NULL);
      g_autofree char *auth_value = g_strconcat ("AWS4-HMAC-SHA256 ", s, NULL);
      g_autoptr (KsSigv4Request) query = parse_garbage ("GET", slash, s);
      g_autoptr (KsSigv4Request) h1 = ks_sigv4_request_new ("GET", s);
      g_autoptr (KsSigv4Request) h2 = ks_sigv4_request_new ("GET", "/");

      ks_sigv4_request_free (parse_garbage ("GET", s, s));
      ks_sigv4_request_free (parse_garbage (s, "/", NULL));
      if (query != NULL)
        verify_garbage (query);
      ks_sigv4_request_add_header (h1, "Host", HOST);
      ks_sigv4_request_add_header (h1, "Authorization", s);
      verify_garbage (h1);
      ks_sigv4_request_add_header (h2, "Authorization", auth_value);
      ks_sigv4_request_add_header (h2, "X-Amz-Date", s);
      ks_sigv4_request_add_header (h2, "X-Amz-Content-Sha256", s);
      verify_garbage (h2);
      verify_garbage_param (wire, s, i);
    }
}

/* Cut a valid request at every length: nothing may crash, and only the
 * whole request verifies. */
static void
test_truncations (void)
{
  g_autofree char *url = fixture_url (&creds, 86400);
  g_autofree char *header_wire = header_fixture (&creds);
  const char      *authz = strstr (header_wire, "\nAuthorization: ") + strlen ("\nAuthorization: ");
  gsize            url_len = strlen (url), authz_len = strlen (authz);

  for (gsize n = 0; n <= url_len; n++)
    {
      g_autofree char *cut = g_strndup (url, n);
      const char      *authority = strstr (cut, "://");
      g_autofree char *wire = NULL;
      g_autoptr (KsSigv4Request) req = NULL;
      g_autoptr (GError) error = NULL;

      if (authority == NULL || strchr (authority + 3, '/') == NULL)
        continue;
      wire = wire_from_url ("PUT", cut, "\nContent-Length: 10\nx-amz-checksum-sha256: " CHECKSUM);
      req = parse_wire (wire, NULL);
      if (req == NULL)
        continue;
      error = verify_at (req, SIGNED_AT, NULL);
      g_assert_true ((error == NULL) == (n == url_len));
    }
  for (gsize n = 0; n <= authz_len; n++)
    {
      g_autofree char *wire = g_strndup (header_wire, authz - header_wire + n);
      g_autoptr (KsSigv4Request) req = parse_wire (wire, NULL);
      g_autoptr (GError) error = verify_at (req, SIGNED_AT, NULL);

      g_assert_true ((error == NULL) == (n == authz_len));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/sigv4/encoding/path", test_encode_path);
  g_test_add_func ("/sigv4/encoding/query", test_canonical_query);
  g_test_add_func ("/sigv4/encoding/headers", test_canonical_headers);
  g_test_add_func ("/sigv4/encoding/from-target", test_from_target);
  g_test_add_func ("/sigv4/encoding/from-target-refused", test_from_target_refused);
  g_test_add_func ("/sigv4/encoding/amz-date", test_amz_date);
  g_test_add_func ("/sigv4/presign/fixture", test_presign_fixture);
  g_test_add_func ("/sigv4/presign/expiry-time", test_presign_expiry_time);
  g_test_add_func ("/sigv4/presign/bad-expires", test_presign_bad_expires);
  g_test_add_func ("/sigv4/presign/endpoints", test_presign_endpoints);
  g_test_add_func ("/sigv4/presign/twice", test_presign_twice);
  g_test_add_func ("/sigv4/presign/tampering", test_presign_tampering);
  g_test_add_func ("/sigv4/presign/signature-bytes", test_presign_signature_bytes);
  g_test_add_func ("/sigv4/presign/path-bytes", test_presign_path_bytes);
  g_test_add_func ("/sigv4/presign/equivalent-encodings", test_presign_equivalent_encodings);
  g_test_add_func ("/sigv4/presign/unsigned-host", test_presign_unsigned_host);
  g_test_add_func ("/sigv4/presign/session-token", test_presign_session_token);
  g_test_add_func ("/sigv4/presign/wrong-secret", test_presign_wrong_secret);
  g_test_add_func ("/sigv4/presign/signed-payload-hash", test_presign_signed_payload_hash);
  g_test_add_func ("/sigv4/header/fixture", test_header_fixture);
  g_test_add_func ("/sigv4/header/tampering", test_header_tampering);
  g_test_add_func ("/sigv4/header/skew", test_header_skew);
  g_test_add_func ("/sigv4/header/session-token", test_header_session_token);
  g_test_add_func ("/sigv4/header/unsigned-host", test_header_unsigned_host);
  g_test_add_func ("/sigv4/verify/missing-auth", test_missing_auth);
  g_test_add_func ("/sigv4/round-trip/generated", test_round_trips);
  g_test_add_func ("/sigv4/malformed/garbage", test_garbage);
  g_test_add_func ("/sigv4/malformed/truncations", test_truncations);

  return g_test_run ();
}
