/* ks-s3-xml.h: the little XML S3 speaks, written and read
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define KS_S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

/* Writing: a GString that starts with the XML declaration and @root. */
GString *ks_s3_xml_begin (const char *root);
void     ks_s3_xml_add (GString    *xml,
                        const char *name,
                        const char *text);
void     ks_s3_xml_add_uint (GString    *xml,
                             const char *name,
                             guint64     value);
void     ks_s3_xml_add_bool (GString    *xml,
                             const char *name,
                             gboolean    value);
void     ks_s3_xml_add_time (GString    *xml,
                             const char *name,
                             gint64      unix_time);
void     ks_s3_xml_open (GString    *xml,
                         const char *name);
void     ks_s3_xml_close (GString    *xml,
                          const char *name);
/* Closes @root and replies with @status; takes @xml. */
void ks_s3_xml_respond (SoupServerMessage *msg,
                        guint              status,
                        GString           *xml,
                        const char        *root);

/* One <Part> of a CompleteMultipartUpload request. */
typedef struct
{
  guint part_number;
  char *etag;            /* as sent, quotes and all */
  char *checksum_sha256; /* nullable: base64 */
} KsS3CompletePart;

void ks_s3_complete_part_free (KsS3CompletePart *part);

/* The parts in document order; KS_S3_ERROR_MALFORMED_XML for anything
 * that is not a CompleteMultipartUpload with at least one whole part. */
GPtrArray *ks_s3_xml_parse_complete (const char *data,
                                     gsize       len,
                                     GError    **error);

char *ks_s3_xml_find_text (const char *data,
                           gsize       len,
                           const char *name);

G_END_DECLS
