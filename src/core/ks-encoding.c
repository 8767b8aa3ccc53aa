/* ks-encoding.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-core-error.h"
#include "ks-encoding.h"

static const char hex_digits[] = "0123456789abcdef";

char *
ks_hex_encode (const guint8 *data,
               gsize         len)
{
  char *out = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = hex_digits[data[i] >> 4];
      out[2 * i + 1] = hex_digits[data[i] & 0xf];
    }
  out[len * 2] = '\0';

  return out;
}

guint8 *
ks_hex_decode (const char *hex,
               gsize      *out_len,
               GError    **error)
{
  gsize              len;
  g_autofree guint8 *out = NULL;

  g_return_val_if_fail (hex != NULL, NULL);
  g_return_val_if_fail (out_len != NULL, NULL);

  len = strlen (hex);
  if (len % 2 != 0)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE,
                   "Hex string has an odd number of digits");
      return NULL;
    }

  out = g_malloc (len / 2 + 1);
  for (gsize i = 0; i < len; i += 2)
    {
      int hi = g_ascii_xdigit_value (hex[i]);
      int lo = g_ascii_xdigit_value (hex[i + 1]);

      if (hi < 0 || lo < 0)
        {
          g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE,
                       "Invalid hex digit at offset %" G_GSIZE_FORMAT,
                       hi < 0 ? i : i + 1);
          return NULL;
        }
      out[i / 2] = (guint8) ((hi << 4) | lo);
    }

  *out_len = len / 2;
  return g_steal_pointer (&out);
}

static int
base64_value (char     c,
              gboolean url)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == (url ? '-' : '+'))
    return 62;
  if (c == (url ? '_' : '/'))
    return 63;
  return -1;
}

/* g_base64_decode() skips garbage silently; protocol input must not be
 * accepted that loosely, so decode strictly: the right alphabet, padding
 * only where it belongs (required for base64, refused for base64url), and
 * no stray bits in the last symbol. */
static guint8 *
base64_decode_strict (const char *text,
                      gboolean    url,
                      gsize      *out_len,
                      GError    **error)
{
  gsize              len = strlen (text);
  gsize              data_len = len;
  g_autofree guint8 *out = NULL;
  gsize              n = 0;
  guint32            acc = 0;
  guint              bits = 0;

  if (!url)
    {
      if (len % 4 != 0)
        goto bad;
      while (data_len > 0 && len - data_len < 2 && text[data_len - 1] == '=')
        data_len--;
    }
  else if (len % 4 == 1)
    goto bad;

  out = g_malloc (data_len * 3 / 4 + 1);
  for (gsize i = 0; i < data_len; i++)
    {
      int v = base64_value (text[i], url);

      if (v < 0)
        goto bad;
      acc = (acc << 6) | (guint32) v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[n++] = (guint8) (acc >> bits);
          acc &= (1u << bits) - 1;
        }
    }

  /* Leftover bits must be zero, or two encodings would map to one value. */
  if (acc != 0 || (!url && len - data_len != (4 - data_len % 4) % 4))
    goto bad;

  *out_len = n;
  return g_steal_pointer (&out);

bad:
  g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE,
               url ? "Invalid base64url text" : "Invalid base64 text");
  return NULL;
}

char *
ks_base64_encode (const guint8 *data,
                  gsize         len)
{
  return g_base64_encode (data, len);
}

guint8 *
ks_base64_decode (const char *text,
                  gsize      *out_len,
                  GError    **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (out_len != NULL, NULL);

  return base64_decode_strict (text, FALSE, out_len, error);
}

char *
ks_base64url_encode (const guint8 *data,
                     gsize         len)
{
  char *out = g_base64_encode (data, len);

  for (char *p = out; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }

  return out;
}

guint8 *
ks_base64url_decode (const char *text,
                     gsize      *out_len,
                     GError    **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (out_len != NULL, NULL);

  return base64_decode_strict (text, TRUE, out_len, error);
}

/* AWS's UriEncode(): every byte but the unreserved set is percent-encoded
 * with upper-case hex, byte by byte of the UTF-8 form. */
char *
ks_uri_encode (const char *text,
               gboolean    encode_slash)
{
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text) + 16);
  for (const guchar *p = (const guchar *) text; *p; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_' ||
          *p == '~' || (*p == '/' && !encode_slash))
        g_string_append_c (out, (char) *p);
      else
        g_string_append_printf (out, "%%%02X", *p);
    }

  return g_string_free (out, FALSE);
}

char *
ks_uri_decode (const char *text,
               gssize      len,
               GError    **error)
{
  g_autoptr (GString) out = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (len < 0)
    len = (gssize) strlen (text);

  out = g_string_sized_new ((gsize) len);
  for (gssize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '%')
        {
          int hi = i + 2 < len ? g_ascii_xdigit_value (text[i + 1]) : -1;
          int lo = i + 2 < len ? g_ascii_xdigit_value (text[i + 2]) : -1;

          if (hi < 0 || lo < 0)
            {
              g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE,
                           "Invalid percent-escape in URI");
              return NULL;
            }
          c = (char) ((hi << 4) | lo);
          i += 2;
        }
      if (c == '\0')
        {
          g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE,
                       "URI contains a NUL byte");
          return NULL;
        }
      g_string_append_c (out, c);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
