/* test-sync-media.c: sniffing, EXIF, thumbnails
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "ks-hash.h"
#include "ks-image-info.h"
#include "ks-sync-error.h"
#include "ks-thumbnailer.h"
#include "test-photos.h"

/* ---- making images: test-photos.h, and ---- */

/* An uncompressed GIF: 7-bit codes written as whole bytes, with a clear
 * code often enough that the code width never grows. */
static GBytes *
make_gif (int w,
          int h)
{
  GByteArray *a = g_byte_array_new ();
  GByteArray *lzw = g_byte_array_new ();
  guint8      palette[128 * 3] = { 0xff, 0, 0, 0, 0, 0xff };
  guint8      screen[7] = { w & 0xff, w >> 8, h & 0xff, h >> 8, 0x86, 0, 0 };
  guint8      image[10] = { 0x2c, 0, 0, 0, 0, w & 0xff, w >> 8, h & 0xff, h >> 8, 0 };
  guint8      code_size = 7, end = 0x81, zero = 0, trailer = 0x3b;

  g_byte_array_append (a, (const guint8 *) "GIF89a", 6);
  g_byte_array_append (a, screen, sizeof screen);
  g_byte_array_append (a, palette, sizeof palette);
  g_byte_array_append (a, image, sizeof image);
  g_byte_array_append (a, &code_size, 1);

  for (int i = 0; i < w * h; i++)
    {
      guint8 px = (i % w) < w / 2 ? 0 : 1; /* red left, blue right */
      guint8 clear = 0x80;

      if (i % 100 == 0)
        g_byte_array_append (lzw, &clear, 1);
      g_byte_array_append (lzw, &px, 1);
    }
  g_byte_array_append (lzw, &end, 1);

  for (guint off = 0; off < lzw->len; off += 255)
    {
      guint8 n = (guint8) MIN (255, lzw->len - off);

      g_byte_array_append (a, &n, 1);
      g_byte_array_append (a, lzw->data + off, n);
    }
  g_byte_array_append (a, &zero, 1);
  g_byte_array_append (a, &trailer, 1);
  g_byte_array_unref (lzw);

  return g_byte_array_free_to_bytes (a);
}

static GBytes *
save_pixbuf (GdkPixbuf  *pixbuf,
             const char *type)
{
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &data, &len, type, &error, NULL));
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

/* gdk-pixbuf writes no Orientation tag, but a FillOrder one (the default
 * value, so harmless to drop): IFD entry 5 of 11, before StripOffsets.
 * Shift StripOffsets down and put Orientation after it, keeping the
 * tags sorted. */
static GBytes *
make_tiff (GdkPixbuf *pixbuf,
           int        orientation)
{
  g_autoptr (GBytes) saved = save_pixbuf (pixbuf, "tiff");
  gsize   len = g_bytes_get_size (saved);
  guint8 *data = g_memdup2 (g_bytes_get_data (saved, NULL), len);
  guint32 ifd = data[4] | data[5] << 8 | data[6] << 16 | (guint32) data[7] << 24;
  guint8 *e5 = data + ifd + 2 + 12 * 5;
  guint8  entry[12] = { 0x12, 0x01, 3, 0, 1, 0, 0, 0, (guint8) orientation, 0, 0, 0 };

  g_assert_cmpmem (data, 4, "II*\0", 4);
  g_assert_true (e5[0] == 0x0a && e5[1] == 0x01 && e5[12] == 0x11 && e5[13] == 0x01);
  memmove (e5, e5 + 12, 12);
  memcpy (e5 + 12, entry, 12);
  return g_bytes_new_take (data, len);
}

static guint32
png_crc (const guint8 *p,
         gsize         n)
{
  guint32 c = 0xffffffff;

  for (gsize i = 0; i < n; i++)
    {
      c ^= p[i];
      for (int k = 0; k < 8; k++)
        c = (c >> 1) ^ (0xedb88320 & (0 - (c & 1)));
    }
  return ~c;
}

/* A PNG with an eXIf chunk (plain TIFF, no "Exif" prefix) after IHDR. */
static GBytes *
make_png_with_exif (GdkPixbuf      *pixbuf,
                    const ExifSpec *spec)
{
  g_autoptr (GBytes) png = save_pixbuf (pixbuf, "png");
  g_autoptr (GByteArray) exif = build_exif (spec);
  g_autoptr (GByteArray) chunk = g_byte_array_new ();
  GByteArray   *out = g_byte_array_new ();
  const guint8 *data = g_bytes_get_data (png, NULL);

  put32 (chunk, TRUE, exif->len - 6);
  g_byte_array_append (chunk, (const guint8 *) "eXIf", 4);
  g_byte_array_append (chunk, exif->data + 6, exif->len - 6);
  put32 (chunk, TRUE, png_crc (chunk->data + 4, chunk->len - 4));

  g_byte_array_append (out, data, 33); /* signature and IHDR */
  g_byte_array_append (out, chunk->data, chunk->len);
  g_byte_array_append (out, data + 33, (guint) g_bytes_get_size (png) - 33);
  return g_byte_array_free_to_bytes (out);
}

static gboolean
have_loader (const char *mime_type)
{
  g_autoptr (GSList) formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_auto (GStrv) types = gdk_pixbuf_format_get_mime_types (l->data);

      if (g_strv_contains ((const char *const *) types, mime_type))
        return TRUE;
    }
  return FALSE;
}

/* By type: with isolated XDG dirs there is no MIME database to guess
 * from, and thumbnails are JPEG by contract anyway. */
static GdkPixbuf *
load_jpeg (GFile *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("jpeg", &error);
  g_autofree char *data = NULL;
  gsize            len = 0;

  g_assert_no_error (error);
  g_assert_true (g_file_load_contents (file, NULL, &data, &len, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gdk_pixbuf_loader_write (loader, (const guint8 *) data, len, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);
  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

/* ---- fixture: a temporary folder per test ---- */

typedef struct
{
  char  *dir;
  GFile *thumbs;
} Fixture;

static void
fixture_set_up (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *thumbs = NULL;

  fx->dir = g_dir_make_tmp ("ks-media-XXXXXX", &error);
  g_assert_no_error (error);
  thumbs = g_build_filename (fx->dir, "thumbs", NULL);
  g_assert_cmpint (g_mkdir (thumbs, 0700), ==, 0);
  fx->thumbs = g_file_new_for_path (thumbs);
}

static void
remove_tree (const char *path)
{
  GDir       *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_clear_pointer (&dir, g_dir_close);
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture      *fx,
                   gconstpointer data)
{
  remove_tree (fx->dir);
  g_free (fx->dir);
  g_object_unref (fx->thumbs);
}

static GFile *
write_file (Fixture    *fx,
            const char *name,
            GBytes     *bytes)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (fx->dir, name, NULL);
  gsize            len = 0;
  const char      *data = g_bytes_get_data (bytes, &len);

  /* No fsync: the fuzz cases rewrite one file a thousand times. */
  g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static GFile *
write_data (Fixture    *fx,
            const char *name,
            const void *data,
            gsize       len)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, len);

  return write_file (fx, name, bytes);
}

static KsImageInfo *
read_info (GFile *file)
{
  g_autoptr (GError) error = NULL;
  KsImageInfo *info = ks_image_info_read (file, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  return info;
}

static void
assert_info_fails (GFile *file,
                   int    code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsImageInfo) info = ks_image_info_read (file, NULL, &error);

  g_assert_error (error, KS_SYNC_ERROR, code);
  g_assert_null (info);
}

/* ---- image info ---- */

static const ExifSpec full_exif = { FALSE, 1, "Keepsake", "Test Camera", "2024:05:01 12:34:56", "+02:00" };

static void
test_info_orientations (Fixture      *fx,
                        gconstpointer data)
{
  for (int o = 1; o <= 8; o++)
    {
      ExifSpec spec = full_exif;
      g_autoptr (GBytes) jpeg = NULL;
      g_autoptr (GFile) file = NULL;
      g_autoptr (KsImageInfo) info = NULL;

      spec.orientation = o;
      spec.big_endian = o % 2 == 0;
      jpeg = make_exif_jpeg (64, 48, &spec);
      file = write_file (fx, "photo.jpg", jpeg);
      info = read_info (file);

      g_assert_cmpstr (info->content_type, ==, "image/jpeg");
      g_assert_cmpint (info->orientation, ==, o);
      /* Displayed size, whatever the stored one. */
      g_assert_cmpint (info->width, ==, 64);
      g_assert_cmpint (info->height, ==, 48);
      g_assert_cmpstr (info->taken_at, ==, "2024-05-01T12:34:56+02:00");
      g_assert_cmpstr (info->camera, ==, "Keepsake Test Camera");
    }
}

static void
test_info_exif_variants (Fixture      *fx,
                         gconstpointer data)
{
  static const struct
  {
    ExifSpec    spec;
    const char *taken_at;
    const char *camera;
  } cases[] = {
    { { FALSE, 0, NULL, NULL, NULL, NULL }, NULL, NULL },
    { { TRUE, 6, "Canon", "Canon EOS R5", "2023:12:31 23:59:59", NULL }, "2023-12-31T23:59:59", "Canon EOS R5" },
    { { FALSE, 1, NULL, "Pixel 8", "2023:02:29 10:00:00", "+01:00" }, NULL, "Pixel 8" },
    { { FALSE, 1, "Nikon", NULL, "0000:00:00 00:00:00", NULL }, NULL, "Nikon" },
    { { FALSE, 1, "  ", NULL, "    :  :     :  :  ", NULL }, NULL, NULL },
    { { TRUE, 9, NULL, NULL, "2024:01:02 03:04:05", "-05:30" }, "2024-01-02T03:04:05-05:30", NULL },
    { { FALSE, 1, NULL, NULL, "2024:01:02 03:04:05", "+2:00" }, "2024-01-02T03:04:05", NULL },
    { { FALSE, 1, NULL, NULL, "2024:13:02 03:04:05", NULL }, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) jpeg = make_exif_jpeg (40, 30, &cases[i].spec);
      g_autoptr (GFile) file = write_file (fx, "variant.jpg", jpeg);
      g_autoptr (KsImageInfo) info = read_info (file);
      int expected_orientation = cases[i].spec.orientation;

      if (expected_orientation < 1 || expected_orientation > 8)
        expected_orientation = 1;
      g_assert_cmpint (info->orientation, ==, expected_orientation);
      g_assert_cmpstr (info->taken_at, ==, cases[i].taken_at);
      g_assert_cmpstr (info->camera, ==, cases[i].camera);
    }
}

static void
test_info_formats (Fixture      *fx,
                   gconstpointer data)
{
  g_autoptr (GdkPixbuf) pixbuf = make_stored_pixbuf (70, 50, 1);
  g_autoptr (GBytes) png = save_pixbuf (pixbuf, "png");
  g_autoptr (GBytes) gif = make_gif (33, 21);
  g_autoptr (GBytes) jpeg = make_jpeg (pixbuf, NULL);
  struct
  {
    const char *name;
    GBytes     *bytes;
    const char *type;
    int         w, h;
  } cases[] = {
    { "a.png", png, "image/png", 70, 50 },
    { "b.gif", gif, "image/gif", 33, 21 },
    /* Content, not the name, decides. */
    { "notes.txt", jpeg, "image/jpeg", 70, 50 },
    { "noextension", png, "image/png", 70, 50 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GFile) file = write_file (fx, cases[i].name, cases[i].bytes);
      g_autoptr (KsImageInfo) info = read_info (file);

      g_assert_cmpstr (info->content_type, ==, cases[i].type);
      g_assert_cmpint (info->width, ==, cases[i].w);
      g_assert_cmpint (info->height, ==, cases[i].h);
      g_assert_cmpint (info->orientation, ==, 1);
      g_assert_null (info->taken_at);
    }

  if (have_loader ("image/tiff"))
    {
      g_autoptr (GBytes) tiff = save_pixbuf (pixbuf, "tiff");
      g_autoptr (GFile) file = write_file (fx, "c.tif", tiff);
      g_autoptr (KsImageInfo) info = read_info (file);

      g_assert_cmpstr (info->content_type, ==, "image/tiff");
      g_assert_cmpint (info->width, ==, 70);
      g_assert_cmpint (info->height, ==, 50);
    }
}

static void
test_info_not_images (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  guint8              noise[4096];
  static const guint8 webp[] = "RIFF\x1a\0\0\0WEBPVP8 \x0e\0\0\0\x30\x01\0\x9d\x01\x2a\x10\0\x10\0\0\0\0\0";
  static const guint8 heic[] = "\0\0\0\x18"
                               "ftypheic\0\0\0\0mif1heic\0\0\0\x08mdat";
  static const guint8 avif[] = "\0\0\0\x1c"
                               "ftypavif\0\0\0\0avifmif1miaf\0\0\0\x08mdat";
  static const guint8 mp4[] = "\0\0\0\x18"
                              "ftypisom\0\0\0\0isomiso2\0\0\0\x08mdat";
  g_autoptr (GFile) random_jpg = NULL;
  g_autoptr (GFile) text_png = NULL;
  g_autoptr (GFile) empty = NULL;
  g_autoptr (GFile) video = NULL;
  g_autoptr (GFile) missing = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_rand_int (rand);
  noise[0] = 0x00;
  random_jpg = write_data (fx, "random.jpg", noise, sizeof noise);
  text_png = write_data (fx, "text.png", "hello, this is not a picture\n", 29);
  empty = write_data (fx, "empty.jpg", "", 0);
  video = write_data (fx, "clip.heic", mp4, sizeof mp4 - 1);

  assert_info_fails (random_jpg, KS_SYNC_ERROR_NOT_IMAGE);
  assert_info_fails (text_png, KS_SYNC_ERROR_NOT_IMAGE);
  assert_info_fails (empty, KS_SYNC_ERROR_NOT_IMAGE);
  assert_info_fails (video, KS_SYNC_ERROR_NOT_IMAGE);

  /* Known formats without a loader here are unsupported, not errors. */
  {
    const struct
    {
      const guint8 *data;
      gsize         len;
      const char   *mime;
    } kinds[] = { { webp, sizeof webp - 1, "image/webp" },
                  { heic, sizeof heic - 1, "image/heif" },
                  { avif, sizeof avif - 1, "image/avif" } };

    for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
      {
        g_autoptr (GFile) file = write_data (fx, "kind.bin", kinds[i].data, kinds[i].len);
        g_autoptr (GError) kind_error = NULL;
        g_autoptr (KsImageInfo) info = ks_image_info_read (file, NULL, &kind_error);

        if (!have_loader (kinds[i].mime) && !have_loader ("image/heic"))
          g_assert_error (kind_error, KS_SYNC_ERROR, KS_SYNC_ERROR_UNSUPPORTED);
        else if (info == NULL)
          g_assert_true (g_error_matches (kind_error, KS_SYNC_ERROR, KS_SYNC_ERROR_CORRUPT) ||
                         g_error_matches (kind_error, KS_SYNC_ERROR, KS_SYNC_ERROR_UNSUPPORTED));
      }
  }

  missing = g_file_new_build_filename (fx->dir, "missing.jpg", NULL);
  g_assert_null (ks_image_info_read (missing, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* Damaged EXIF must not hide an otherwise good photo. */
static void
test_info_bad_exif (Fixture      *fx,
                    gconstpointer data)
{
  g_autoptr (GdkPixbuf) pixbuf = make_stored_pixbuf (50, 40, 1);
  g_autoptr (GByteArray) good = build_exif (&full_exif);
  /* Offsets into the EXIF block: 6 "Exif\0\0", TIFF header at 6, IFD0
   * at 14 (count), entries from 16; entry 0 is Make. */
  static const struct
  {
    guint   off;
    guint   size;
    guint32 value;
  } patches[] = {
    { 10, 4, 0xfffffff0 },          /* IFD0 beyond the end */
    { 10, 4, 0xfffffffc },          /* IFD0 + 2 + 12 n wraps 32 bits */
    { 14, 2, 0xffff },              /* 65535 entries */
    { 14, 2, 0 },                   /* none */
    { 16 + 4, 4, 0xffffffff },      /* Make: count 2^32 - 1 */
    { 16 + 8, 4, 0xfffffffe },      /* Make: value far away */
    { 16 + 2, 2, 0x00ff },          /* Make: unknown type */
    { 16 + 36 + 8, 4, 8 },          /* Exif IFD pointer back to IFD0 */
    { 16 + 36 + 8, 4, 0x7fffffff }, /* Exif IFD pointer beyond the end */
    { 16 + 36 + 8, 4, 0 },          /* Exif IFD pointer to the header */
    { 16 + 24 + 2, 2, 4 },          /* Orientation as LONG */
    { 16 + 24 + 4, 4, 2 },          /* Orientation with two values */
    { 6, 4, 0x12345678 },           /* not a TIFF header */
  };

  for (guint i = 0; i < G_N_ELEMENTS (patches); i++)
    {
      g_autoptr (GByteArray) exif = g_byte_array_sized_new (good->len);
      g_autoptr (GBytes) jpeg = NULL;
      g_autoptr (GFile) file = NULL;
      g_autoptr (KsImageInfo) info = NULL;

      g_byte_array_append (exif, good->data, good->len);
      if (patches[i].size == 4)
        set32 (exif, patches[i].off, FALSE, patches[i].value);
      else
        {
          exif->data[patches[i].off] = patches[i].value & 0xff;
          exif->data[patches[i].off + 1] = (patches[i].value >> 8) & 0xff;
        }
      jpeg = make_jpeg (pixbuf, exif);
      file = write_file (fx, "bad-exif.jpg", jpeg);
      info = read_info (file);

      g_assert_cmpint (info->width, ==, 50);
      g_assert_cmpint (info->height, ==, 40);
      g_assert_cmpint (info->orientation, >=, 1);
      g_assert_cmpint (info->orientation, <=, 8);
    }
}

/* Every prefix of a photo, and random damage to its headers: errors or
 * answers, never a crash or a read out of bounds (run under ASan). */
static void
test_info_fuzz (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr (GBytes) jpeg = make_exif_jpeg (64, 48, &full_exif);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  gsize              len = 0;
  const guint8      *bytes = g_bytes_get_data (jpeg, &len);
  g_autofree guint8 *copy = g_memdup2 (bytes, len);

  for (gsize cut = 0; cut < 400 && cut < len; cut++)
    {
      g_autoptr (GFile) file = write_data (fx, "cut.jpg", bytes, cut);
      g_autoptr (GError) error = NULL;
      g_autoptr (KsImageInfo) info = ks_image_info_read (file, NULL, &error);

      g_assert_true (info != NULL || error->domain == KS_SYNC_ERROR);
      if (cut < 3)
        g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_IMAGE);
    }

  for (guint round = 0; round < 1500; round++)
    {
      g_autoptr (GFile) file = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (KsImageInfo) info = NULL;
      guint n = (guint) g_rand_int_range (rand, 1, 8);

      memcpy (copy, bytes, len);
      for (guint i = 0; i < n; i++)
        copy[g_rand_int_range (rand, 2, 300)] = (guint8) g_rand_int (rand);
      file = write_data (fx, "fuzz.jpg", copy, len);
      info = ks_image_info_read (file, NULL, &error);
      g_assert_true (info != NULL || error->domain == KS_SYNC_ERROR);
      if (info != NULL)
        g_assert_true (info->orientation >= 1 && info->orientation <= 8 && info->width > 0);
    }
}

static void
test_info_ignored_names (void)
{
  const char *ignored[] = { ".hidden.jpg", "IMG_1.JPG.part", "a.crdownload", "b.jpg~", "c.tmp", "", NULL };
  const char *kept[] = { "IMG_0001.JPG", "photo.partner.png", "tmpfile.jpg", "~start.jpg", NULL };

  for (guint i = 0; ignored[i] != NULL; i++)
    g_assert_true (ks_image_info_name_is_ignored (ignored[i]));
  for (guint i = 0; kept[i] != NULL; i++)
    g_assert_false (ks_image_info_name_is_ignored (kept[i]));
  g_assert_true (ks_image_info_name_is_ignored (NULL));
}

/* ---- thumbnails ---- */

static KsThumbnails *
make_thumbs (Fixture *fx,
             GFile   *file)
{
  g_autoptr (GError) error = NULL;
  KsThumbnails *thumbs = ks_thumbnails_make (file, fx->thumbs, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (thumbs);
  return thumbs;
}

static void
assert_colour_near (GdkPixbuf *pixbuf,
                    int        x,
                    int        y,
                    guint32    rgb)
{
  const guint8 *p = gdk_pixbuf_read_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) +
                    x * gdk_pixbuf_get_n_channels (pixbuf);
  int want[3] = { (rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff };

  for (int c = 0; c < 3; c++)
    if (ABS (p[c] - want[c]) > 60)
      g_error ("pixel (%d, %d) is #%02x%02x%02x, expected #%06x", x, y, p[0], p[1], p[2], rgb);
}

/* Decodes a thumbnail and checks its size and its upright quadrants. */
static void
assert_thumb (GFile *file,
              int    w,
              int    h)
{
  g_autoptr (GdkPixbuf) pixbuf = load_jpeg (file);
  int pw, ph;

  pw = gdk_pixbuf_get_width (pixbuf);
  ph = gdk_pixbuf_get_height (pixbuf);
  g_assert_cmpint (pw, ==, w);
  g_assert_cmpint (ABS (ph - h), <=, 1);

  assert_colour_near (pixbuf, pw / 8, ph / 8, quadrant_colours[0]);
  assert_colour_near (pixbuf, pw * 7 / 8, ph / 8, quadrant_colours[1]);
  assert_colour_near (pixbuf, pw / 8, ph * 7 / 8, quadrant_colours[2]);
  assert_colour_near (pixbuf, pw * 7 / 8, ph * 7 / 8, quadrant_colours[3]);
}

static void
test_thumbs_orientations (Fixture      *fx,
                          gconstpointer data)
{
  for (int o = 1; o <= 8; o++)
    {
      ExifSpec spec = full_exif;
      g_autoptr (GBytes) jpeg = NULL;
      g_autoptr (GFile) file = NULL;
      g_autoptr (KsThumbnails) thumbs = NULL;

      spec.orientation = o;
      jpeg = make_exif_jpeg (640, 400, &spec);
      file = write_file (fx, "oriented.jpg", jpeg);
      thumbs = make_thumbs (fx, file);

      g_test_message ("orientation %d", o);
      g_assert_cmpint (thumbs->info->orientation, ==, o);
      assert_thumb (thumbs->preview, 640, 400); /* never upscaled */
      assert_thumb (thumbs->grid, 256, 160);
    }
}

static void
test_thumbs_sizes (Fixture      *fx,
                   gconstpointer data)
{
  static const struct
  {
    int w, h, orientation;
    int preview_w, preview_h, grid_w, grid_h;
  } cases[] = {
    { 3000, 2000, 6, 1280, 853, 256, 170 },
    { 1600, 2400, 1, 853, 1280, 170, 256 },
    { 1280, 1280, 8, 1280, 1280, 256, 256 },
    { 100, 80, 6, 100, 80, 100, 80 },
    { 300, 200, 3, 300, 200, 256, 170 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ExifSpec spec = full_exif;
      g_autoptr (GBytes) jpeg = NULL;
      g_autoptr (GFile) file = NULL;
      g_autoptr (KsThumbnails) thumbs = NULL;

      spec.orientation = cases[i].orientation;
      jpeg = make_exif_jpeg (cases[i].w, cases[i].h, &spec);
      file = write_file (fx, "sized.jpg", jpeg);
      thumbs = make_thumbs (fx, file);

      g_assert_cmpint (thumbs->info->width, ==, cases[i].w);
      g_assert_cmpint (thumbs->info->height, ==, cases[i].h);
      assert_thumb (thumbs->preview, cases[i].preview_w, cases[i].preview_h);
      assert_thumb (thumbs->grid, cases[i].grid_w, cases[i].grid_h);
    }
}

static void
test_thumbs_digests (Fixture      *fx,
                     gconstpointer data)
{
  g_autoptr (GBytes) jpeg = make_exif_jpeg (900, 600, &full_exif);
  g_autoptr (GFile) file = write_file (fx, "digest.jpg", jpeg);
  g_autoptr (KsThumbnails) thumbs = make_thumbs (fx, file);
  g_autoptr (GFileInfo) info = g_file_query_info (file, "time::*", 0, NULL, NULL);
  g_autofree char *expected = ks_sha256_hex (g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg));
  g_autofree char *grid_name = g_file_get_basename (thumbs->grid);
  g_autofree char *preview_name = g_file_get_basename (thumbs->preview);
  g_autofree char *want_grid = g_strconcat (expected, "-grid.jpg", NULL);
  g_autofree char *want_preview = g_strconcat (expected, "-preview.jpg", NULL);
  g_autoptr (GFile) parent = g_file_get_parent (thumbs->grid);
  guint64          size = 0;
  g_autofree char *grid_sha = ks_sha256_file (thumbs->grid, &size, NULL, NULL);

  g_assert_cmpstr (thumbs->sha256, ==, expected);
  g_assert_cmpint (thumbs->size, ==, g_bytes_get_size (jpeg));
  g_assert_cmpint (thumbs->mtime, ==,
                   (gint64) g_file_info_get_attribute_uint64 (info, "time::modified") * G_USEC_PER_SEC +
                       g_file_info_get_attribute_uint32 (info, "time::modified-usec"));
  g_assert_cmpstr (grid_name, ==, want_grid);
  g_assert_cmpstr (preview_name, ==, want_preview);
  g_assert_true (g_file_equal (parent, fx->thumbs));
  g_assert_cmpstr (thumbs->grid_sha256, ==, grid_sha);
  g_assert_cmpint (thumbs->grid_size, ==, size);
  g_assert_cmpint (thumbs->preview_size, >, thumbs->grid_size);
  g_assert_cmpstr (thumbs->info->taken_at, ==, "2024-05-01T12:34:56+02:00");
}

static void
test_thumbs_other_formats (Fixture      *fx,
                           gconstpointer data)
{
  g_autoptr (GdkPixbuf) opaque = make_stored_pixbuf (600, 300, 1);
  g_autoptr (GdkPixbuf) alpha = gdk_pixbuf_add_alpha (opaque, FALSE, 0, 0, 0);
  g_autoptr (GBytes) png = NULL;
  g_autoptr (GBytes) gif = make_gif (300, 200);
  g_autoptr (GFile) png_file = NULL;
  g_autoptr (GFile) gif_file = write_file (fx, "anim.gif", gif);
  g_autoptr (KsThumbnails) png_thumbs = NULL;
  g_autoptr (KsThumbnails) gif_thumbs = NULL;
  g_autoptr (GdkPixbuf) gif_grid = NULL;

  /* A transparent top-left quadrant must come out white, not black. */
  for (int y = 0; y < 150; y++)
    for (int x = 0; x < 300; x++)
      gdk_pixbuf_get_pixels (alpha)[y * gdk_pixbuf_get_rowstride (alpha) + x * 4 + 3] = 0;
  png = save_pixbuf (alpha, "png");
  png_file = write_file (fx, "alpha.png", png);
  png_thumbs = make_thumbs (fx, png_file);
  {
    g_autoptr (GdkPixbuf) grid = load_jpeg (png_thumbs->grid);

    g_assert_cmpint (gdk_pixbuf_get_width (grid), ==, 256);
    g_assert_cmpint (gdk_pixbuf_get_height (grid), ==, 128);
    assert_colour_near (grid, 20, 20, 0xffffff);
    assert_colour_near (grid, 236, 20, 0x00ff00);
  }

  gif_thumbs = make_thumbs (fx, gif_file);
  gif_grid = load_jpeg (gif_thumbs->grid);
  g_assert_cmpint (gdk_pixbuf_get_width (gif_grid), ==, 256);
  assert_colour_near (gif_grid, 20, 20, 0xff0000);
  assert_colour_near (gif_grid, 236, 100, 0x0000ff);

  /* PNG keeps EXIF in an eXIf chunk, which the loader does not apply. */
  {
    ExifSpec spec = full_exif;
    g_autoptr (GdkPixbuf) stored = NULL;
    g_autoptr (GBytes) exif_png = NULL;
    g_autoptr (GFile) file = NULL;
    g_autoptr (KsThumbnails) thumbs = NULL;

    spec.orientation = 6;
    stored = make_stored_pixbuf (500, 300, spec.orientation);
    exif_png = make_png_with_exif (stored, &spec);
    file = write_file (fx, "rotated.png", exif_png);
    thumbs = make_thumbs (fx, file);
    g_assert_cmpint (thumbs->info->orientation, ==, 6);
    g_assert_cmpint (thumbs->info->width, ==, 500);
    g_assert_cmpstr (thumbs->info->taken_at, ==, "2024-05-01T12:34:56+02:00");
    assert_thumb (thumbs->grid, 256, 153);
  }

  /* Phones append their own data after EOI; that is not damage. */
  {
    g_autoptr (GBytes) jpeg = make_exif_jpeg (400, 300, &full_exif);
    g_autoptr (GByteArray) trailed = g_byte_array_new ();
    g_autoptr (GFile) file = NULL;
    g_autoptr (KsThumbnails) thumbs = NULL;

    g_byte_array_append (trailed, g_bytes_get_data (jpeg, NULL), (guint) g_bytes_get_size (jpeg));
    g_byte_array_append (trailed, (const guint8 *) "SEFH\0\0\xff\xd8 trailer", 16);
    file = write_data (fx, "trailer.jpg", trailed->data, trailed->len);
    thumbs = make_thumbs (fx, file);
    assert_thumb (thumbs->grid, 256, 192);
  }

  for (int o = 1; o <= 8 && have_loader ("image/tiff"); o++)
    {
      g_autoptr (GdkPixbuf) stored = make_stored_pixbuf (600, 300, o);
      g_autoptr (GBytes) tiff = make_tiff (stored, o);
      g_autoptr (GFile) file = write_file (fx, "scan.tiff", tiff);
      g_autoptr (KsThumbnails) thumbs = make_thumbs (fx, file);

      g_test_message ("TIFF orientation %d", o);
      g_assert_cmpint (thumbs->info->orientation, ==, o);
      g_assert_cmpint (thumbs->info->width, ==, 600);
      assert_thumb (thumbs->preview, 600, 300);
      assert_thumb (thumbs->grid, 256, 128);
    }
}

static void
test_thumbs_errors (Fixture      *fx,
                    gconstpointer data)
{
  g_autoptr (GBytes) jpeg = make_exif_jpeg (800, 600, &full_exif);
  g_autoptr (GdkPixbuf) pixbuf = make_stored_pixbuf (200, 100, 1);
  g_autoptr (GBytes) png = save_pixbuf (pixbuf, "png");
  gsize              jpeg_len = 0, png_len = 0;
  const guint8      *jpeg_data = g_bytes_get_data (jpeg, &jpeg_len);
  const guint8      *png_data = g_bytes_get_data (png, &png_len);
  g_autofree guint8 *bad_png = g_memdup2 (png_data, png_len);
  g_autoptr (GBytes) gif = make_gif (300, 200);
  struct
  {
    GFile *file;
    int    code;
  } cases[6];

  /* Pixel data damaged after good headers. */
  for (gsize i = png_len / 2; i < png_len - 12; i++)
    bad_png[i] ^= 0x5a;

  cases[0].file = write_data (fx, "truncated.jpg", jpeg_data, jpeg_len * 2 / 3);
  cases[0].code = KS_SYNC_ERROR_CORRUPT;
  cases[1].file = write_data (fx, "damaged.png", bad_png, png_len);
  cases[1].code = KS_SYNC_ERROR_CORRUPT;
  cases[2].file = write_data (fx, "text.png", "just text", 9);
  cases[2].code = KS_SYNC_ERROR_NOT_IMAGE;
  cases[3].file = write_data (fx, "header-only.jpg", jpeg_data, 300);
  cases[3].code = KS_SYNC_ERROR_CORRUPT;
  cases[4].file = write_data (fx, "truncated.png", png_data, png_len * 2 / 3);
  cases[4].code = KS_SYNC_ERROR_CORRUPT;
  cases[5].file = write_data (fx, "truncated.gif", g_bytes_get_data (gif, NULL), g_bytes_get_size (gif) / 2);
  cases[5].code = KS_SYNC_ERROR_CORRUPT;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KsThumbnails) thumbs = ks_thumbnails_make (cases[i].file, fx->thumbs, NULL, &error);

      g_test_message ("case %u", i);
      g_assert_error (error, KS_SYNC_ERROR, cases[i].code);
      g_assert_null (thumbs);
      g_object_unref (cases[i].file);
    }
}

typedef struct
{
  guint done;
  guint cancelled;
  guint pending;
} AsyncState;

static void
make_async_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncState *state = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsThumbnails) thumbs = ks_thumbnails_make_finish (result, &error);

  if (thumbs != NULL)
    {
      assert_thumb (thumbs->grid, 256, 153);
      state->done++;
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      state->cancelled++;
    }
  state->pending--;
}

static void
test_thumbs_async (Fixture      *fx,
                   gconstpointer data)
{
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  AsyncState state = { 0 };
  GFile     *files[6];

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      ExifSpec         spec = full_exif;
      g_autofree char *name = g_strdup_printf ("async-%u.jpg", i);
      g_autoptr (GBytes) jpeg = NULL;

      spec.orientation = (int) i + 1;
      jpeg = make_exif_jpeg (500 + (int) i, 300, &spec);
      files[i] = write_file (fx, name, jpeg);
      ks_thumbnails_make_async (files[i], fx->thumbs, G_PRIORITY_DEFAULT - (int) i, NULL, make_async_cb, &state);
      state.pending++;
    }

  g_cancellable_cancel (cancelled);
  ks_thumbnails_make_async (files[0], fx->thumbs, G_PRIORITY_DEFAULT, cancelled, make_async_cb, &state);
  state.pending++;

  while (state.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (state.done, ==, G_N_ELEMENTS (files));
  g_assert_cmpuint (state.cancelled, ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_object_unref (files[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add ("/sync/media/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("info/orientations", test_info_orientations);
  ADD ("info/exif-variants", test_info_exif_variants);
  ADD ("info/formats", test_info_formats);
  ADD ("info/not-images", test_info_not_images);
  ADD ("info/bad-exif", test_info_bad_exif);
  ADD ("info/fuzz", test_info_fuzz);
  g_test_add_func ("/sync/media/info/ignored-names", test_info_ignored_names);
  ADD ("thumbs/orientations", test_thumbs_orientations);
  ADD ("thumbs/sizes", test_thumbs_sizes);
  ADD ("thumbs/digests", test_thumbs_digests);
  ADD ("thumbs/other-formats", test_thumbs_other_formats);
  ADD ("thumbs/errors", test_thumbs_errors);
  ADD ("thumbs/async", test_thumbs_async);
#undef ADD

  return g_test_run ();
}
