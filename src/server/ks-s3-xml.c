/* ks-s3-xml.c: S3 replies and the CompleteMultipartUpload request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-s3-error.h"
#include "ks-s3-xml.h"

/* S3 sends <Error> without a namespace and everything else with one. */
GString *
ks_s3_xml_begin (const char *root)
{
  GString *xml = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");

  if (g_str_equal (root, "Error"))
    g_string_append_printf (xml, "<%s>", root);
  else
    g_string_append_printf (xml, "<%s xmlns=\"%s\">", root, KS_S3_XMLNS);

  return xml;
}

void
ks_s3_xml_open (GString    *xml,
                const char *name)
{
  g_string_append_printf (xml, "<%s>", name);
}

void
ks_s3_xml_close (GString    *xml,
                 const char *name)
{
  g_string_append_printf (xml, "</%s>", name);
}

/* @text: (nullable): an empty element for %NULL */
void
ks_s3_xml_add (GString    *xml,
               const char *name,
               const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "", -1);

  g_string_append_printf (xml, "<%s>%s</%s>", name, escaped, name);
}

void
ks_s3_xml_add_uint (GString    *xml,
                    const char *name,
                    guint64     value)
{
  g_string_append_printf (xml, "<%s>%" G_GUINT64_FORMAT "</%s>", name, value, name);
}

void
ks_s3_xml_add_bool (GString    *xml,
                    const char *name,
                    gboolean    value)
{
  g_string_append_printf (xml, "<%s>%s</%s>", name, value ? "true" : "false", name);
}

/* ISO 8601 with milliseconds, as S3 writes times in XML. */
void
ks_s3_xml_add_time (GString    *xml,
                    const char *name,
                    gint64      unix_time)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (unix_time);
  g_autofree char *text = NULL;

  if (time == NULL)
    time = g_date_time_new_from_unix_utc (0);
  text = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S.000Z");
  ks_s3_xml_add (xml, name, text);
}

void
ks_s3_xml_respond (SoupServerMessage *msg,
                   guint              status,
                   GString           *xml,
                   const char        *root)
{
  gsize len;

  ks_s3_xml_close (xml, root);
  len = xml->len;
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/xml", SOUP_MEMORY_TAKE,
                                    g_string_free (xml, FALSE), len);
}

/* ---- CompleteMultipartUpload ---- */

typedef enum
{
  IN_NONE,
  IN_ROOT,
  IN_PART,
  IN_FIELD,
} Depth;

typedef struct
{
  GPtrArray        *parts;
  KsS3CompletePart *part;  /* nullable: the one being read */
  GString          *text;  /* of the field being read */
  char             *field; /* nullable */
  Depth             depth;
  gboolean          seen_root;
} Parser;

void
ks_s3_complete_part_free (KsS3CompletePart *part)
{
  g_free (part->etag);
  g_free (part->checksum_sha256);
  g_free (part);
}

static void
set_markup_error (GError    **error,
                  const char *why)
{
  g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "%s", why);
}

static void
start_element_cb (GMarkupParseContext *context,
                  const char          *name,
                  const char         **attribute_names,
                  const char         **attribute_values,
                  gpointer             user_data,
                  GError             **error)
{
  Parser *parser = user_data;

  switch (parser->depth)
    {
    case IN_NONE:
      if (parser->seen_root || !g_str_equal (name, "CompleteMultipartUpload"))
        {
          set_markup_error (error, "the root element is not CompleteMultipartUpload");
          return;
        }
      parser->seen_root = TRUE;
      parser->depth = IN_ROOT;
      break;

    case IN_ROOT:
      if (!g_str_equal (name, "Part"))
        {
          set_markup_error (error, "CompleteMultipartUpload holds only Part elements");
          return;
        }
      parser->part = g_new0 (KsS3CompletePart, 1);
      g_ptr_array_add (parser->parts, parser->part);
      parser->depth = IN_PART;
      break;

    case IN_PART:
      g_clear_pointer (&parser->field, g_free);
      parser->field = g_strdup (name);
      g_string_truncate (parser->text, 0);
      parser->depth = IN_FIELD;
      break;

    case IN_FIELD:
      /* Fields hold text, never elements. */
      set_markup_error (error, "unexpected element inside a Part field");
      break;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
parse_part_number (const char *text,
                   guint      *out)
{
  guint64 value = 0;

  if (strspn (text, "0123456789") != strlen (text) || strlen (text) > 5 ||
      !g_ascii_string_to_unsigned (text, 10, 1, 10000, &value, NULL))
    return FALSE;
  *out = (guint) value;

  return TRUE;
}

static gboolean
store_field (Parser  *parser,
             GError **error)
{
  KsS3CompletePart *part = parser->part;
  g_autofree char  *text = g_strstrip (g_strdup (parser->text->str));

  if (g_str_equal (parser->field, "PartNumber"))
    {
      if (part->part_number != 0 || !parse_part_number (text, &part->part_number))
        {
          set_markup_error (error, "PartNumber must be 1 to 10000, once per Part");
          return FALSE;
        }
    }
  else if (g_str_equal (parser->field, "ETag") && part->etag == NULL)
    {
      part->etag = g_steal_pointer (&text);
    }
  else if (g_str_equal (parser->field, "ChecksumSHA256") && part->checksum_sha256 == NULL)
    {
      part->checksum_sha256 = g_steal_pointer (&text);
    }

  return TRUE;
}

static void
end_element_cb (GMarkupParseContext *context,
                const char          *name,
                gpointer             user_data,
                GError             **error)
{
  Parser *parser = user_data;

  switch (parser->depth)
    {
    case IN_FIELD:
      parser->depth = IN_PART;
      store_field (parser, error);
      break;

    case IN_PART:
      if (parser->part->part_number == 0 || parser->part->etag == NULL)
        {
          set_markup_error (error, "a Part needs a PartNumber and an ETag");
          return;
        }
      parser->part = NULL;
      parser->depth = IN_ROOT;
      break;

    case IN_ROOT:
      parser->depth = IN_NONE;
      break;

    case IN_NONE:
    default:
      g_assert_not_reached ();
    }
}

static void
text_cb (GMarkupParseContext *context,
         const char          *text,
         gsize                text_len,
         gpointer             user_data,
         GError             **error)
{
  Parser *parser = user_data;

  if (parser->depth == IN_FIELD)
    g_string_append_len (parser->text, text, (gssize) text_len);
}

static const GMarkupParser complete_parser = {
  .start_element = start_element_cb,
  .end_element = end_element_cb,
  .text = text_cb,
};

/* GMarkup knows no DTDs or external entities, so this cannot be made to
 * read files or expand without bound. */
GPtrArray *
ks_s3_xml_parse_complete (const char *data,
                          gsize       len,
                          GError    **error)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_s3_complete_part_free);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GMarkupParseContext) context = NULL;
  Parser parser = { 0 };

  parser.parts = parts;
  parser.text = g_string_new (NULL);
  context = g_markup_parse_context_new (&complete_parser, G_MARKUP_PREFIX_ERROR_POSITION,
                                        &parser, NULL);
  if (g_markup_parse_context_parse (context, data, (gssize) len, &local_error) &&
      g_markup_parse_context_end_parse (context, &local_error) &&
      parts->len == 0)
    g_set_error_literal (&local_error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                         "there are no parts");

  g_string_free (parser.text, TRUE);
  g_free (parser.field);
  if (local_error != NULL)
    {
      g_debug ("CompleteMultipartUpload: %s", local_error->message);
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_MALFORMED_XML,
                           "The XML you provided was not well-formed or did not validate "
                           "against our published schema");
      return NULL;
    }

  return g_steal_pointer (&parts);
}

/* ---- Reading S3's answers ---- */

typedef struct
{
  const char *wanted;
  gboolean    inside;
  gboolean    found;
  GString    *text;
} Finder;

static void
find_start_cb (GMarkupParseContext *context,
               const char          *name,
               const char         **attribute_names,
               const char         **attribute_values,
               gpointer             user_data,
               GError             **error)
{
  Finder *finder = user_data;

  if (!finder->found && g_str_equal (name, finder->wanted))
    finder->inside = TRUE;
}

static void
find_end_cb (GMarkupParseContext *context,
             const char          *name,
             gpointer             user_data,
             GError             **error)
{
  Finder *finder = user_data;

  if (finder->inside && g_str_equal (name, finder->wanted))
    {
      finder->inside = FALSE;
      finder->found = TRUE;
    }
}

static void
find_text_cb (GMarkupParseContext *context,
              const char          *text,
              gsize                text_len,
              gpointer             user_data,
              GError             **error)
{
  Finder *finder = user_data;

  if (finder->inside)
    g_string_append_len (finder->text, text, (gssize) text_len);
}

static const GMarkupParser find_parser = {
  .start_element = find_start_cb,
  .end_element = find_end_cb,
  .text = find_text_cb,
};

/**
 * ks_s3_xml_find_text:
 * @name: an element's name, without a namespace prefix
 *
 * The text of the first element called @name in an S3 answer
 * (InitiateMultipartUploadResult's UploadId, Error's Code).
 *
 * Returns: (transfer full) (nullable): the text, NULL if @data is not
 *   XML or has no such element
 */
char *
ks_s3_xml_find_text (const char *data,
                     gsize       len,
                     const char *name)
{
  g_autoptr (GMarkupParseContext) context = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  Finder finder = { .wanted = name, .text = text };

  context = g_markup_parse_context_new (&find_parser, 0, &finder, NULL);
  if (!g_markup_parse_context_parse (context, data, (gssize) len, NULL) ||
      !g_markup_parse_context_end_parse (context, NULL) || !finder.found)
    return NULL;

  return g_string_free (g_steal_pointer (&text), FALSE);
}
