/* ks-hash.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ks-encoding.h"
#include "ks-hash.h"

/* Big enough to amortise syscalls, small enough that hashing a photo never
 * holds more than this of it in memory. */
#define HASH_CHUNK_SIZE (256 * 1024)

struct _KsSha256
{
  EVP_MD_CTX *ctx;
};

KsSha256 *
ks_sha256_new (void)
{
  KsSha256 *self = g_new0 (KsSha256, 1);

  self->ctx = EVP_MD_CTX_new ();
  if (self->ctx == NULL || EVP_DigestInit_ex (self->ctx, EVP_sha256 (), NULL) != 1)
    g_error ("OpenSSL could not initialise SHA-256");

  return self;
}

void
ks_sha256_update (KsSha256   *self,
                  const void *data,
                  gsize       len)
{
  g_return_if_fail (self != NULL);

  if (len > 0)
    EVP_DigestUpdate (self->ctx, data, len);
}

void
ks_sha256_finish (KsSha256 *self,
                  guint8    out[KS_SHA256_LEN])
{
  unsigned int out_len = KS_SHA256_LEN;

  g_return_if_fail (self != NULL);

  EVP_DigestFinal_ex (self->ctx, out, &out_len);
}

char *
ks_sha256_finish_hex (KsSha256 *self)
{
  guint8 digest[KS_SHA256_LEN];

  ks_sha256_finish (self, digest);
  return ks_hex_encode (digest, sizeof digest);
}

void
ks_sha256_free (KsSha256 *self)
{
  if (self == NULL)
    return;

  EVP_MD_CTX_free (self->ctx);
  g_free (self);
}

void
ks_sha256 (const void *data,
           gsize       len,
           guint8      out[KS_SHA256_LEN])
{
  unsigned int out_len = KS_SHA256_LEN;

  EVP_Digest (data, len, out, &out_len, EVP_sha256 (), NULL);
}

char *
ks_sha256_hex (const void *data,
               gsize       len)
{
  guint8 digest[KS_SHA256_LEN];

  ks_sha256 (data, len, digest);
  return ks_hex_encode (digest, sizeof digest);
}

void
ks_hmac_sha256 (const void *key,
                gsize       key_len,
                const void *data,
                gsize       data_len,
                guint8      out[KS_SHA256_LEN])
{
  unsigned int        out_len = KS_SHA256_LEN;
  static const guint8 empty = 0;

  /* OpenSSL treats a NULL key as "reuse the last one"; never let that
   * happen for an empty key. */
  if (HMAC (EVP_sha256 (), key ? key : &empty, (int) key_len,
            data ? data : &empty, data_len, out, &out_len) == NULL)
    g_error ("OpenSSL could not compute HMAC-SHA256");
}

char *
ks_sha256_stream (GInputStream *stream,
                  guint64      *out_size,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_autoptr (KsSha256) sha = ks_sha256_new ();
  g_autofree guint8 *buf = g_malloc (HASH_CHUNK_SIZE);
  guint64            total = 0;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  for (;;)
    {
      gssize n = g_input_stream_read (stream, buf, HASH_CHUNK_SIZE,
                                      cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      ks_sha256_update (sha, buf, (gsize) n);
      total += (guint64) n;
    }

  if (out_size != NULL)
    *out_size = total;

  return ks_sha256_finish_hex (sha);
}

char *
ks_sha256_file (GFile        *file,
                guint64      *out_size,
                GCancellable *cancellable,
                GError      **error)
{
  g_autoptr (GFileInputStream) stream = NULL;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return NULL;

  return ks_sha256_stream (G_INPUT_STREAM (stream), out_size, cancellable, error);
}

gboolean
ks_memeq_constant_time (const void *a,
                        const void *b,
                        gsize       len)
{
  return CRYPTO_memcmp (a, b, len) == 0;
}

/* The length of a signature or token is not secret; only its content is. */
gboolean
ks_streq_constant_time (const char *a,
                        const char *b)
{
  gsize len;

  if (a == NULL || b == NULL)
    return FALSE;

  len = strlen (a);
  if (len != strlen (b))
    return FALSE;

  return CRYPTO_memcmp (a, b, len) == 0;
}

void
ks_random_bytes (guint8 *buf,
                 gsize   len)
{
  if (RAND_bytes (buf, (int) len) != 1)
    g_error ("The system random number generator failed");
}
