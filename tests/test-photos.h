/* test-photos.h: photos for tests, made in memory
 *
 * Upright, every test photo has four quadrants, so a test can tell
 * whether a thumbnail came out the right way up; the pixels are stored
 * as a camera held sideways (or a mirror) would store them, with the
 * EXIF orientation that says so. The EXIF builder also writes camera,
 * capture time and offset, in either byte order.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

/* Upright, the test images have four quadrants: red top left, green top
 * right, blue bottom left, white bottom right. */
static G_GNUC_UNUSED const guint32 quadrant_colours[4] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffffff };

static G_GNUC_UNUSED guint32
quadrant_colour (int x,
                 int y,
                 int w,
                 int h)
{
  return quadrant_colours[(y >= h / 2 ? 2 : 0) + (x >= w / 2 ? 1 : 0)];
}

static G_GNUC_UNUSED void
put_pixel (GdkPixbuf *pixbuf,
           int        x,
           int        y,
           guint32    rgb)
{
  guint8 *p = gdk_pixbuf_get_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) +
              x * gdk_pixbuf_get_n_channels (pixbuf);

  p[0] = (guint8) (rgb >> 16);
  p[1] = (guint8) (rgb >> 8);
  p[2] = (guint8) rgb;
}

/* The pixels as a camera held sideways or a mirror would store them, so
 * that applying @orientation shows the upright quadrants. */
static G_GNUC_UNUSED GdkPixbuf *
make_stored_pixbuf (int w,
                    int h,
                    int orientation)
{
  gboolean   swap = orientation >= 5;
  int        sw = swap ? h : w;
  int        sh = swap ? w : h;
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, sw, sh);

  for (int dy = 0; dy < h; dy++)
    for (int dx = 0; dx < w; dx++)
      {
        int sx, sy;

        switch (orientation)
          {
          case 2:
            sx = sw - 1 - dx, sy = dy;
            break;
          case 3:
            sx = sw - 1 - dx, sy = sh - 1 - dy;
            break;
          case 4:
            sx = dx, sy = sh - 1 - dy;
            break;
          case 5:
            sx = dy, sy = dx;
            break;
          case 6:
            sx = dy, sy = sh - 1 - dx;
            break;
          case 7:
            sx = sw - 1 - dy, sy = sh - 1 - dx;
            break;
          case 8:
            sx = sw - 1 - dy, sy = dx;
            break;
          default:
            sx = dx, sy = dy;
            break;
          }
        put_pixel (pixbuf, sx, sy, quadrant_colour (dx, dy, w, h));
      }

  return pixbuf;
}

typedef struct
{
  gboolean    big_endian;
  int         orientation; /* 0: no tag */
  const char *make;
  const char *model;
  const char *date;
  const char *offset;
} ExifSpec;

static G_GNUC_UNUSED void
put16 (GByteArray *a,
       gboolean    be,
       guint16     v)
{
  guint8 b[2] = { be ? v >> 8 : v & 0xff, be ? v & 0xff : v >> 8 };

  g_byte_array_append (a, b, 2);
}

static G_GNUC_UNUSED void
put32 (GByteArray *a,
       gboolean    be,
       guint32     v)
{
  put16 (a, be, be ? v >> 16 : v & 0xffff);
  put16 (a, be, be ? v & 0xffff : v >> 16);
}

static G_GNUC_UNUSED void
set32 (GByteArray *a,
       guint       off,
       gboolean    be,
       guint32     v)
{
  g_autoptr (GByteArray) tmp = g_byte_array_new ();

  put32 (tmp, be, v);
  memcpy (a->data + off, tmp->data, 4);
}

typedef struct
{
  guint16     tag;
  guint16     type;
  guint32     value; /* SHORT and LONG */
  const char *text;  /* ASCII */
} Entry;

/* One IFD and the strings it points to; returns where the next-IFD link
 * is. @pointer_pos gets the position of a LONG entry's value field. */
static G_GNUC_UNUSED guint
write_ifd (GByteArray  *a,
           gboolean     be,
           const Entry *entries,
           guint        n,
           guint       *pointer_pos)
{
  guint text_pos[8] = { 0 };
  guint next;

  put16 (a, be, (guint16) n);
  for (guint i = 0; i < n; i++)
    {
      const Entry *e = &entries[i];

      put16 (a, be, e->tag);
      put16 (a, be, e->type);
      if (e->type == 2)
        {
          guint32 count = (guint32) strlen (e->text) + 1;

          put32 (a, be, count);
          text_pos[i] = a->len;
          if (count <= 4)
            {
              guint8 pad[4] = { 0 };

              memcpy (pad, e->text, count);
              g_byte_array_append (a, pad, 4);
              text_pos[i] = 0;
            }
          else
            put32 (a, be, 0);
        }
      else
        {
          put32 (a, be, 1);
          if (pointer_pos != NULL && e->type == 4)
            *pointer_pos = a->len;
          if (e->type == 3)
            {
              put16 (a, be, (guint16) e->value);
              put16 (a, be, 0);
            }
          else
            put32 (a, be, e->value);
        }
    }
  next = a->len;
  put32 (a, be, 0);

  for (guint i = 0; i < n; i++)
    if (text_pos[i] != 0)
      {
        set32 (a, text_pos[i], be, a->len - 6);
        g_byte_array_append (a, (const guint8 *) entries[i].text, (guint) strlen (entries[i].text) + 1);
      }

  return next;
}

/* "Exif\0\0" and a TIFF structure; offsets count from the TIFF header,
 * six bytes in. */
static G_GNUC_UNUSED GByteArray *
build_exif (const ExifSpec *spec)
{
  GByteArray *a = g_byte_array_new ();
  Entry       ifd0[4];
  Entry       sub[2];
  guint       n0 = 0, n1 = 0;
  guint       pointer_pos = 0;

  g_byte_array_append (a, (const guint8 *) "Exif\0\0", 6);
  g_byte_array_append (a, (const guint8 *) (spec->big_endian ? "MM\0*" : "II*\0"), 4);
  put32 (a, spec->big_endian, 8);

  if (spec->make != NULL)
    ifd0[n0++] = (Entry){ 0x010f, 2, 0, spec->make };
  if (spec->model != NULL)
    ifd0[n0++] = (Entry){ 0x0110, 2, 0, spec->model };
  if (spec->orientation != 0)
    ifd0[n0++] = (Entry){ 0x0112, 3, (guint32) spec->orientation, NULL };
  if (spec->date != NULL)
    sub[n1++] = (Entry){ 0x9003, 2, 0, spec->date };
  if (spec->offset != NULL)
    sub[n1++] = (Entry){ 0x9011, 2, 0, spec->offset };
  if (n1 > 0)
    ifd0[n0++] = (Entry){ 0x8769, 4, 0, NULL };

  write_ifd (a, spec->big_endian, ifd0, n0, &pointer_pos);
  if (n1 > 0)
    {
      set32 (a, pointer_pos, spec->big_endian, a->len - 6);
      write_ifd (a, spec->big_endian, sub, n1, NULL);
    }

  return a;
}

/* A JPEG with @app1 (nullable) as its first segment after SOI. */
static G_GNUC_UNUSED GBytes *
make_jpeg (GdkPixbuf        *pixbuf,
           const GByteArray *app1)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize            len = 0;
  GByteArray      *out = g_byte_array_new ();

  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &data, &len, "jpeg", &error, "quality", "95", NULL));
  g_assert_no_error (error);

  g_byte_array_append (out, (const guint8 *) data, 2);
  if (app1 != NULL)
    {
      guint8 marker[4] = { 0xff, 0xe1, (app1->len + 2) >> 8, (app1->len + 2) & 0xff };

      g_byte_array_append (out, marker, 4);
      g_byte_array_append (out, app1->data, app1->len);
    }
  g_byte_array_append (out, (const guint8 *) data + 2, (guint) len - 2);

  return g_byte_array_free_to_bytes (out);
}

static G_GNUC_UNUSED GBytes *
make_exif_jpeg (int             w,
                int             h,
                const ExifSpec *spec)
{
  g_autoptr (GdkPixbuf) pixbuf = make_stored_pixbuf (w, h, spec->orientation);
  g_autoptr (GByteArray) exif = build_exif (spec);

  return make_jpeg (pixbuf, exif);
}
