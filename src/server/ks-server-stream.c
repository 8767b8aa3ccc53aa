/* ks-server-stream.c: a connection as libsoup reads it, with an eye on
 * the request lines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-server-stream.h"

/*
 * libsoup 3.2 resolves dot segments while it parses the request line
 * (GUri decodes %2E and removes "." and ".."), and keeps nothing of the
 * raw target, so /v1/albums/%2E%2e/photos reaches the router as
 * /v1/photos. docs/api.md promises a 404 for such a path. So the bytes
 * libsoup reads pass through a converter that copies them unchanged and
 * notes the path, as libsoup will resolve it, of every line that looks
 * like a request line with a dot segment, with its place among the
 * request lines. The router then refuses the request in that place if
 * its path is the one noted.
 *
 * The scan does not frame HTTP: a line in a body can look like a request
 * line too, and puts the count off. Then nothing more is refused on that
 * connection, unless a request has the very path noted: it can only
 * cost the client its own requests.
 */

/* Longer request lines are not looked at (libsoup refuses them anyway). */
#define REQUEST_LINE_MAX 8192
/* Noted and not yet taken; more are dropped. */
#define NOTED_MAX 16

/* As libsoup parses request targets (SOUP_HTTP_URI_FLAGS). */
#define HTTP_URI_FLAGS                                                               \
  (G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY | \
   G_URI_FLAGS_ENCODED_FRAGMENT | G_URI_FLAGS_SCHEME_NORMALIZE)

/* ---- The scanner, a pass-through GConverter ---- */

#define KS_TYPE_REQUEST_SCANNER (ks_request_scanner_get_type ())
G_DECLARE_FINAL_TYPE (KsRequestScanner, ks_request_scanner, KS, REQUEST_SCANNER, GObject)

typedef struct
{
  guint64 place; /* 1 for the first request line */
  char   *path;  /* as libsoup resolves it */
} Noted;

struct _KsRequestScanner
{
  GObject  parent_instance;
  GString *line;        /* the current line, while it may be a request line */
  gboolean skipping;    /* the current line is not one */
  gboolean method_seen; /* its first word was a method */
  guint64  lines;       /* request lines seen */
  guint64  taken;       /* requests routed */
  GQueue   noted;       /* of Noted, oldest first */
  GMutex   mutex;       /* the converter may run on a worker thread */
};

static void
noted_free (Noted *noted)
{
  g_free (noted->path);
  g_free (noted);
}

static void ks_request_scanner_iface_init (GConverterIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsRequestScanner, ks_request_scanner, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (G_TYPE_CONVERTER, ks_request_scanner_iface_init))

/* "." or ".." once %2E is decoded */
static gboolean
is_dot_segment (const char *segment,
                gsize       len)
{
  gsize dots = 0;

  for (gsize i = 0; i < len; dots++)
    {
      if (segment[i] == '.')
        i++;
      else if (i + 2 < len && segment[i] == '%' && segment[i + 1] == '2' &&
               (segment[i + 2] == 'e' || segment[i + 2] == 'E'))
        i += 3;
      else
        return FALSE;
    }

  return dots == 1 || dots == 2;
}

static gboolean
has_dot_segment (const char *path,
                 gsize       len)
{
  gsize start = 0;

  for (gsize i = 0; i <= len; i++)
    {
      if (i < len && path[i] != '/')
        continue;
      if (i > start && is_dot_segment (path + start, i - start))
        return TRUE;
      start = i + 1;
    }

  return FALSE;
}

/* "METHOD SP target SP HTTP/1.x": counts it, and notes the resolved
 * path of a target with a dot segment. */
static void
scan_line (KsRequestScanner *self,
           const char       *line,
           gsize             len)
{
  const char      *space = memchr (line, ' ', len);
  const char      *target;
  const char      *path;
  const char      *query;
  gsize            target_len;
  gsize            path_len;
  g_autofree char *raw = NULL;
  g_autoptr (GUri) base = NULL;
  g_autoptr (GUri) uri = NULL;
  Noted *noted;

  if (len > 0 && line[len - 1] == '\r')
    len--;
  if (space == NULL || space == line || len < 10 || memcmp (line + len - 9, " HTTP/1.", 8) != 0)
    return;
  for (const char *p = line; p < space; p++)
    {
      if (!g_ascii_isupper (*p) && *p != '-' && *p != '_')
        return;
    }
  target = space + 1;
  if (line + len - 9 <= target)
    return;
  target_len = (gsize) (line + len - 9 - target);

  g_mutex_lock (&self->mutex);
  self->lines++;
  g_mutex_unlock (&self->mutex);

  /* Origin form, or absolute form (then from the path on). */
  path = target;
  if (g_ascii_strncasecmp (target, "http://", 7) == 0 || g_ascii_strncasecmp (target, "https://", 8) == 0)
    path = memchr (strstr (target, "://") + 3, '/', target_len - (gsize) (strstr (target, "://") + 3 - target));
  if (path == NULL || *path != '/')
    return;
  path_len = target_len - (gsize) (path - target);
  query = memchr (path, '?', path_len);
  if (!has_dot_segment (path, query != NULL ? (gsize) (query - path) : path_len))
    return;

  raw = g_strndup (target, target_len);
  base = g_uri_parse ("http://localhost/", HTTP_URI_FLAGS, NULL);
  uri = base != NULL ? g_uri_parse_relative (base, raw, HTTP_URI_FLAGS, NULL) : NULL;
  if (uri == NULL)
    return;

  noted = g_new0 (Noted, 1);
  noted->path = g_strdup (g_uri_get_path (uri));
  g_mutex_lock (&self->mutex);
  noted->place = self->lines;
  if (self->noted.length < NOTED_MAX)
    g_queue_push_tail (&self->noted, g_steal_pointer (&noted));
  g_mutex_unlock (&self->mutex);
  g_clear_pointer (&noted, noted_free);
}

static void
scan (KsRequestScanner *self,
      const char       *data,
      gsize             len)
{
  while (len > 0)
    {
      const char *newline = memchr (data, '\n', len);
      gsize       chunk = newline != NULL ? (gsize) (newline - data) : len;

      /* A request line starts with a method, upper-case letters and a
       * space: header lines have a colon first, bodies anything. */
      for (gsize i = 0; !self->skipping && !self->method_seen && i < chunk; i++)
        {
          if (data[i] == ' ' && self->line->len + i > 0)
            self->method_seen = TRUE;
          else if (!g_ascii_isupper (data[i]) && data[i] != '-' && data[i] != '_')
            self->skipping = TRUE;
        }
      if (!self->skipping && self->line->len + chunk > REQUEST_LINE_MAX)
        {
          self->skipping = TRUE;
          g_string_truncate (self->line, 0);
        }
      if (!self->skipping)
        g_string_append_len (self->line, data, (gssize) chunk);

      if (newline == NULL)
        return;

      if (!self->skipping && self->line->len > 0)
        scan_line (self, self->line->str, self->line->len);
      g_string_truncate (self->line, 0);
      self->skipping = FALSE;
      self->method_seen = FALSE;
      data = newline + 1;
      len -= chunk + 1;
    }
}

static GConverterResult
ks_request_scanner_convert (GConverter     *converter,
                            const void     *inbuf,
                            gsize           inbuf_size,
                            void           *outbuf,
                            gsize           outbuf_size,
                            GConverterFlags flags,
                            gsize          *bytes_read,
                            gsize          *bytes_written,
                            GError        **error)
{
  KsRequestScanner *self = KS_REQUEST_SCANNER (converter);
  gsize             n = MIN (inbuf_size, outbuf_size);

  if (inbuf_size == 0)
    {
      *bytes_read = *bytes_written = 0;
      if (flags & G_CONVERTER_INPUT_AT_END)
        return G_CONVERTER_FINISHED;
      if (flags & G_CONVERTER_FLUSH)
        return G_CONVERTER_FLUSHED;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "Need more input");
      return G_CONVERTER_ERROR;
    }

  memcpy (outbuf, inbuf, n);
  scan (self, inbuf, n);
  *bytes_read = *bytes_written = n;

  if (n == inbuf_size && (flags & G_CONVERTER_INPUT_AT_END))
    return G_CONVERTER_FINISHED;
  return G_CONVERTER_CONVERTED;
}

static void
ks_request_scanner_reset (GConverter *converter)
{
  KsRequestScanner *self = KS_REQUEST_SCANNER (converter);

  g_string_truncate (self->line, 0);
  self->skipping = FALSE;
  self->method_seen = FALSE;
}

static void
ks_request_scanner_iface_init (GConverterIface *iface)
{
  iface->convert = ks_request_scanner_convert;
  iface->reset = ks_request_scanner_reset;
}

static void
ks_request_scanner_finalize (GObject *object)
{
  KsRequestScanner *self = KS_REQUEST_SCANNER (object);

  g_string_free (self->line, TRUE);
  g_queue_clear_full (&self->noted, (GDestroyNotify) noted_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ks_request_scanner_parent_class)->finalize (object);
}

static void
ks_request_scanner_class_init (KsRequestScannerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_request_scanner_finalize;
}

static void
ks_request_scanner_init (KsRequestScanner *self)
{
  self->line = g_string_sized_new (256);
  g_queue_init (&self->noted);
  g_mutex_init (&self->mutex);
}

/* ---- The stream ---- */

struct _KsServerStream
{
  GIOStream          parent_instance;
  GSocketConnection *connection; /* owned */
  GInputStream      *input;      /* owned: the scanner over the socket's */
  KsRequestScanner  *scanner;    /* owned */
};

G_DEFINE_FINAL_TYPE (KsServerStream, ks_server_stream, G_TYPE_IO_STREAM)

static GInputStream *
ks_server_stream_get_input_stream (GIOStream *stream)
{
  return KS_SERVER_STREAM (stream)->input;
}

static GOutputStream *
ks_server_stream_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (G_IO_STREAM (KS_SERVER_STREAM (stream)->connection));
}

/* Closing it closes the socket, as closing the connection itself would. */
static gboolean
ks_server_stream_close (GIOStream    *stream,
                        GCancellable *cancellable,
                        GError      **error)
{
  KsServerStream *self = KS_SERVER_STREAM (stream);
  gboolean        ok = g_input_stream_close (self->input, cancellable, NULL);

  return g_io_stream_close (G_IO_STREAM (self->connection), cancellable, error) && ok;
}

static void
ks_server_stream_finalize (GObject *object)
{
  KsServerStream *self = KS_SERVER_STREAM (object);

  g_clear_object (&self->input);
  g_clear_object (&self->scanner);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (ks_server_stream_parent_class)->finalize (object);
}

static void
ks_server_stream_class_init (KsServerStreamClass *klass)
{
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ks_server_stream_finalize;
  stream_class->get_input_stream = ks_server_stream_get_input_stream;
  stream_class->get_output_stream = ks_server_stream_get_output_stream;
  stream_class->close_fn = ks_server_stream_close;
}

static void
ks_server_stream_init (KsServerStream *self)
{
}

KsServerStream *
ks_server_stream_new (GSocketConnection *connection)
{
  KsServerStream *self = g_object_new (KS_TYPE_SERVER_STREAM, NULL);
  GInputStream   *base = g_io_stream_get_input_stream (G_IO_STREAM (connection));

  self->connection = g_object_ref (connection);
  self->scanner = g_object_new (KS_TYPE_REQUEST_SCANNER, NULL);
  self->input = g_converter_input_stream_new (base, G_CONVERTER (self->scanner));

  return self;
}

/**
 * ks_server_stream_take_dotted:
 * @path: the next request's path, as libsoup parsed it
 *
 * Call once for each request on the connection, in order.
 *
 * Returns: whether that request's target had a "." or ".." segment
 *   (literal or encoded) that libsoup resolved away
 */
gboolean
ks_server_stream_take_dotted (KsServerStream *self,
                              const char     *path)
{
  KsRequestScanner *scanner = self->scanner;
  gboolean          found = FALSE;
  Noted            *head;

  g_mutex_lock (&scanner->mutex);
  scanner->taken++;
  while ((head = g_queue_peek_head (&scanner->noted)) != NULL && head->place < scanner->taken)
    noted_free (g_queue_pop_head (&scanner->noted));
  if (head != NULL && head->place == scanner->taken && g_str_equal (head->path, path))
    {
      noted_free (g_queue_pop_head (&scanner->noted));
      found = TRUE;
    }
  g_mutex_unlock (&scanner->mutex);

  return found;
}
