/* ks-transfer-util.c: progress and S3 errors for uploads and downloads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ks-cloud-error.h"
#include "ks-transfer-private.h"

#define REPORT_INTERVAL (G_USEC_PER_SEC / 10)

void
ks_progress_init (KsProgress    *self,
                  KsProgressFunc func,
                  gpointer       data,
                  goffset        total)
{
  self->func = func;
  self->data = data;
  self->done = 0;
  self->total = total;
  self->last_report = 0;
}

void
ks_progress_add (KsProgress *self,
                 gssize      delta)
{
  gint64 now;

  self->done = MAX (self->done + delta, 0);
  if (self->total > 0)
    self->done = MIN (self->done, self->total);
  if (self->func == NULL)
    return;

  now = g_get_monotonic_time ();
  if (now - self->last_report < REPORT_INTERVAL)
    return;

  self->last_report = now;
  self->func (self->done, self->total, self->data);
}

void
ks_progress_finish (KsProgress *self)
{
  if (self->total <= 0) /* a download of unknown size */
    self->total = self->done;
  self->done = self->total;
  if (self->func != NULL)
    self->func (self->done, self->total, self->data);
}

/* The text of the first <@name> element of an S3 XML reply, or NULL. */
static char *
xml_element (const char *xml,
             gsize       len,
             const char *name)
{
  g_autofree char *open = g_strdup_printf ("<%s>", name);
  g_autofree char *close = g_strdup_printf ("</%s>", name);
  const char      *start = g_strstr_len (xml, (gssize) len, open);
  const char      *end;

  if (start == NULL)
    return NULL;
  start += strlen (open);
  end = g_strstr_len (start, (gssize) (len - (gsize) (start - xml)), close);
  if (end == NULL)
    return NULL;

  return g_strndup (start, (gsize) (end - start));
}

static gboolean
is_expired (guint       status,
            const char *code,
            const char *message)
{
  /* S3 and our own store say exactly this; a signature that has expired
   * is AccessDenied, not SignatureDoesNotMatch. */
  if (status == SOUP_STATUS_FORBIDDEN && g_strcmp0 (code, "AccessDenied") == 0 && message != NULL &&
      strstr (message, "Request has expired") != NULL)
    return TRUE;

  /* A URL presigned with a role's temporary keys dies with them, when
   * the server has long moved on to new ones: it is as expired. */
  return (status == SOUP_STATUS_BAD_REQUEST || status == SOUP_STATUS_FORBIDDEN) &&
         (g_strcmp0 (code, "ExpiredToken") == 0 || g_strcmp0 (code, "TokenRefreshRequired") == 0);
}

static KsCloudError
code_for_status (guint status)
{
  if (status >= 500)
    return KS_CLOUD_ERROR_SERVER;

  switch (status)
    {
    case SOUP_STATUS_BAD_REQUEST:
      return KS_CLOUD_ERROR_BAD_REQUEST;
    case SOUP_STATUS_UNAUTHORIZED:
    case SOUP_STATUS_FORBIDDEN:
      return KS_CLOUD_ERROR_FORBIDDEN;
    case SOUP_STATUS_NOT_FOUND:
      return KS_CLOUD_ERROR_NOT_FOUND;
    case SOUP_STATUS_CONFLICT:
      return KS_CLOUD_ERROR_CONFLICT;
    case SOUP_STATUS_PRECONDITION_FAILED:
      return KS_CLOUD_ERROR_PRECONDITION;
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
      return KS_CLOUD_ERROR_TOO_LARGE;
    case 429: /* Too Many Requests; not named in libsoup 3.2 */
      return KS_CLOUD_ERROR_THROTTLED;
    default:
      return KS_CLOUD_ERROR_FAILED;
    }
}

GError *
ks_transfer_error_from_s3 (guint       status,
                           GBytes     *body,
                           const char *what)
{
  gsize            len = 0;
  const char      *xml = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  g_autofree char *code = xml != NULL ? xml_element (xml, len, "Code") : NULL;
  g_autofree char *message = xml != NULL ? xml_element (xml, len, "Message") : NULL;

  g_debug ("%s: HTTP %u %s: %s", what, status, code != NULL ? code : "-",
           message != NULL ? message : "-");

  if (is_expired (status, code, message))
    return g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED,
                        _ ("The storage link for %s has expired."), what);

  return g_error_new (KS_CLOUD_ERROR, code_for_status (status),
                      _ ("The storage server refused %s (HTTP %u %s)."), what, status,
                      code != NULL ? code : soup_status_get_phrase (status));
}

gboolean
ks_transfer_body_is_s3_error (GBytes *body)
{
  gsize       len = 0;
  const char *xml = body != NULL ? g_bytes_get_data (body, &len) : NULL;

  return xml != NULL && g_strstr_len (xml, (gssize) len, "<Error>") != NULL;
}

char *
ks_transfer_redact_url (const char *url)
{
  const char *query = strchr (url, '?');

  return query != NULL ? g_strndup (url, (gsize) (query - url)) : g_strdup (url);
}
