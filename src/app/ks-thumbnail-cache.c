/* ks-thumbnail-cache.c: grid thumbnails, on disk and decoded in memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/mman.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-dir-budget.h"
#include "ks-photo-fetch.h"
#include "ks-textures.h"
#include "ks-thumbnail-cache.h"

/* Decoded pixels kept for thumbnails scrolled away, counting those still
 * on tiles: a 256 x 192 thumbnail is 144 KiB, so about 340 of them, more
 * than GtkGridView keeps bound at usual window sizes (ks-photo-grid.c).
 * Scrolling back a few screens finds them decoded. */
#define MEMORY_BUDGET (48 * 1024 * 1024)

/* Files kept on disk: about 20,000 thumbnails of ~13 KB, a fifth of a
 * 100,000-photo library, hundreds of screens of scrolling; what was
 * trimmed is downloaded again when it scrolls into view. Trimmed down to
 * 80% when over, least recently used first (ks-dir-budget.h). */
#define DISK_BUDGET (256 * 1024 * 1024)
#define SUFFIX ".jpg"

/* The scan of the files on disk waits for the first screens'
 * thumbnails to be read. */
#define DISK_SCAN_DELAY_SECONDS 10

/* Downloads under way at once; the rest wait in our queue, where a tile
 * scrolled away costs nothing: libsoup's own queue is walked in full
 * for every message it starts or finishes, so hundreds queued there (a
 * fast scroll binds a row of tiles a frame) took the main loop's time
 * between frames. */
#define MAX_DOWNLOADS 6

/* Thumbnails are at most 256 px on a side; anything much larger is not
 * one and would take memory out of proportion. */
#define MAX_PIXELS (1024 * 1024)

struct _KsThumbnailCache
{
  GObject parent_instance;

  SoupSession  *soup;
  KsAccount    *account; /* renews expired URLs through its API client */
  char         *dir;
  KsDirBudget  *budget;    /* the files on disk */
  KsTextureLru *textures;  /* by the thumbnail's SHA-256, 3 bytes a pixel */
  GHashTable   *loads;     /* key -> Load */
  GQueue        downloads; /* Load waiting to download, oldest first */
  guint         n_downloading;
  int           tile_size; /* device pixels, 0: decode as they come */
};

static void ks_thumbnail_cache_source_init (KsThumbnailSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsThumbnailCache, ks_thumbnail_cache, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (KS_TYPE_THUMBNAIL_SOURCE, ks_thumbnail_cache_source_init))

/* One read or download + decode that one or more callers wait for. */
typedef struct
{
  KsThumbnailCache *cache;
  char             *key;
  gint64            size; /* -1: unknown */
  KsPhotoItem      *item; /* the first asker's: its URL, renewed if need be */
  gboolean          renewed;
  GFile            *local; /* nullable: made on this machine */
  GCancellable     *cancellable;
  GPtrArray        *waiters; /* Waiter */
} Load;

typedef struct
{
  Load         *load;
  GTask        *task;
  GCancellable *cancellable; /* nullable */
  gulong        cancelled_id;
} Waiter;

/* What a worker thread gets: read the cached file (or the local one),
 * or check and store @downloaded; decode either. */
typedef struct
{
  char        *key;
  gint64       size;
  int          tile_size;
  KsDirBudget *budget;     /* owned */
  char        *name;       /* the cache's file, in the budget's dir */
  char        *path;       /* the same, in full */
  char        *local_path; /* nullable */
  GBytes      *downloaded; /* nullable */
  gint64       written;    /* bytes stored in the cache, 0: none */
} Job;

typedef struct
{
  gpointer data;
  gsize    size;
} Pixels;

static void
job_free (Job *job)
{
  g_free (job->key);
  g_object_unref (job->budget);
  g_free (job->name);
  g_free (job->path);
  g_free (job->local_path);
  g_clear_pointer (&job->downloaded, g_bytes_unref);
  g_free (job);
}

static void
ks_thumbnail_cache_dispose (GObject *object)
{
  KsThumbnailCache *self = KS_THUMBNAIL_CACHE (object);

  g_clear_pointer (&self->textures, ks_texture_lru_free);
  g_clear_object (&self->budget);
  /* @downloads is empty: each load in it holds a reference on the cache. */
  g_clear_pointer (&self->loads, g_hash_table_unref);
  g_clear_object (&self->soup);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (ks_thumbnail_cache_parent_class)->dispose (object);
}

static void
ks_thumbnail_cache_finalize (GObject *object)
{
  g_free (KS_THUMBNAIL_CACHE (object)->dir);

  G_OBJECT_CLASS (ks_thumbnail_cache_parent_class)->finalize (object);
}

static void
ks_thumbnail_cache_class_init (KsThumbnailCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_thumbnail_cache_dispose;
  object_class->finalize = ks_thumbnail_cache_finalize;
}

static void
ks_thumbnail_cache_init (KsThumbnailCache *self)
{
  self->textures = ks_texture_lru_new (MEMORY_BUDGET, 3);
  self->loads = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->downloads);
}

KsThumbnailCache *
ks_thumbnail_cache_new (KsAccount  *account,
                        const char *dir)
{
  KsThumbnailCache *self = g_object_new (KS_TYPE_THUMBNAIL_CACHE, NULL);
  SoupSession      *soup = ks_account_get_soup (account);

  /* A session of their own, with @soup's network settings: sharing its
   * connections, a page of the library waited 300-450 ms behind
   * thumbnails while scrolling, whatever the messages' priorities. */
  self->soup = soup_session_new_with_options ("proxy-resolver", soup_session_get_proxy_resolver (soup),
                                              "tls-database", soup_session_get_tls_database (soup),
                                              "user-agent", soup_session_get_user_agent (soup),
                                              "timeout", soup_session_get_timeout (soup),
                                              "idle-timeout", soup_session_get_idle_timeout (soup),
                                              "max-conns-per-host", MAX_DOWNLOADS, NULL);
  self->account = g_object_ref (account);
  self->dir = g_strdup (dir);
  g_mkdir_with_parents (dir, 0700);
  self->budget = ks_dir_budget_new (dir, SUFFIX, DISK_BUDGET);
  ks_dir_budget_start (self->budget, DISK_SCAN_DELAY_SECONDS);
  return self;
}

/* A job on @key's file in the cache. */
static Job *
job_new (KsThumbnailCache *self,
         const char       *key)
{
  Job *job = g_new0 (Job, 1);

  job->key = g_strdup (key);
  job->size = -1;
  job->budget = g_object_ref (self->budget);
  job->name = g_strconcat (key, SUFFIX, NULL);
  job->path = g_build_filename (self->dir, job->name, NULL);
  return job;
}

GdkTexture *
ks_thumbnail_cache_peek (KsThumbnailCache *self,
                         KsPhotoItem      *item)
{
  g_return_val_if_fail (KS_IS_THUMBNAIL_CACHE (self), NULL);

  if (self->textures == NULL)
    return NULL;
  return ks_texture_lru_lookup (self->textures, ks_photo_item_get_grid_sha256 (item, NULL));
}

/* --- Decoding, on a worker thread */

static void
pixels_free (gpointer data)
{
  Pixels *pixels = data;

  munmap (pixels->data, pixels->size);
  g_free (pixels);
}

/* A texture in memory of its own: malloc's heap would keep the pixels of
 * thumbnails long scrolled away (its mmap threshold rises after the
 * first frees) and the process would grow with every screen scrolled
 * past. Three bytes a pixel, as GTK's own loader gives: GTK 4.8 copies
 * a texture into a cairo surface for every frame the cairo renderer
 * draws, ten times faster from R8G8B8 than from its "default" format. */
static GdkTexture *
decode (GBytes  *jpeg,
        int      tile_size,
        GError **error)
{
  g_autoptr (GInputStream) stream = g_memory_input_stream_new_from_bytes (jpeg);
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new_from_stream (stream, NULL, error);
  g_autoptr (GBytes) bytes = NULL;
  const guchar *rows;
  Pixels       *pixels;
  int           width, height, stride;

  if (pixbuf == NULL)
    return NULL;
  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  /* Covering the tile, as GtkPicture's "cover" does: the short side the
   * tile's, the long one in proportion; GtkPicture then draws it at its
   * own size. Never larger than it came. */
  if (tile_size > 0 && tile_size < MIN (width, height))
    {
      int        short_side = MIN (width, height);
      int        scaled_width = width == short_side ? tile_size : (int) ((double) width * tile_size / short_side + 0.5);
      int        scaled_height = height == short_side ? tile_size : (int) ((double) height * tile_size / short_side + 0.5);
      GdkPixbuf *scaled = gdk_pixbuf_scale_simple (pixbuf, MAX (scaled_width, 1), MAX (scaled_height, 1),
                                                   GDK_INTERP_BILINEAR);

      if (scaled != NULL)
        {
          g_object_unref (pixbuf);
          pixbuf = scaled;
          width = gdk_pixbuf_get_width (pixbuf);
          height = gdk_pixbuf_get_height (pixbuf);
        }
    }
  if ((gsize) width * height > MAX_PIXELS || gdk_pixbuf_get_n_channels (pixbuf) != 3 ||
      gdk_pixbuf_get_bits_per_sample (pixbuf) != 8)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _ ("This is not a thumbnail the app can show."));
      return NULL;
    }

  pixels = g_new0 (Pixels, 1);
  pixels->size = (gsize) width * 3 * height;
  pixels->data = mmap (NULL, pixels->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pixels->data == MAP_FAILED)
    {
      g_free (pixels);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           _ ("There is not enough memory for the thumbnail."));
      return NULL;
    }
  rows = gdk_pixbuf_read_pixels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  for (int y = 0; y < height; y++)
    memcpy ((guchar *) pixels->data + (gsize) y * width * 3, rows + (gsize) y * stride, (gsize) width * 3);
  bytes = g_bytes_new_with_free_func (pixels->data, pixels->size, pixels_free, pixels);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, (gsize) width * 3);
}

/* @bytes are the thumbnail @job names. */
static gboolean
check (Job     *job,
       GBytes  *bytes,
       GError **error)
{
  g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);

  if ((job->size >= 0 && g_bytes_get_size (bytes) != (gsize) job->size) ||
      g_ascii_strcasecmp (sha256, job->key) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _ ("The thumbnail is damaged (its checksum is wrong)."));
      return FALSE;
    }
  return TRUE;
}

/* The file at @path if it is this thumbnail and decodes, else NULL (a
 * damaged cached copy is deleted). */
static GdkTexture *
read_file (Job        *job,
           const char *path,
           gboolean    remove_damaged)
{
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, NULL);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  GdkTexture *texture;

  if (file == NULL)
    return NULL;
  bytes = g_mapped_file_get_bytes (file);
  texture = check (job, bytes, &error) ? decode (bytes, job->tile_size, &error) : NULL;
  if (texture == NULL)
    {
      g_debug ("Thumbnail %s: %s", path, error->message);
      if (remove_damaged)
        g_unlink (path);
    }
  return texture;
}

/* A cache: written whole (a temporary file, not one of the budget's
 * names, renamed in), not synced. */
static void
store (Job          *job,
       gconstpointer data,
       gsize         size)
{
  g_autoptr (GError) error = NULL;

  if (g_file_set_contents_full (job->path, data, (gssize) size, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    job->written = (gint64) size;
  else
    g_debug ("Caching thumbnail %s: %s", job->key, error->message);
}

static GdkTexture *
job_run (Job     *job,
         GError **error)
{
  GdkTexture *texture;

  if (job->downloaded != NULL)
    {
      if (!check (job, job->downloaded, error) || (texture = decode (job->downloaded, job->tile_size, error)) == NULL)
        return NULL;
      store (job, g_bytes_get_data (job->downloaded, NULL), g_bytes_get_size (job->downloaded));
      return texture;
    }

  texture = read_file (job, job->path, TRUE);
  if (texture != NULL)
    ks_dir_budget_touch (job->budget, job->name);
  else if (job->local_path != NULL)
    texture = read_file (job, job->local_path, FALSE);
  if (texture == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _ ("The thumbnail is not on this computer."));
  return texture;
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job        *job = task_data;
  GdkTexture *texture;
  GError     *error = NULL;

  /* Not trimmed away while read or written. */
  ks_dir_budget_hold (job->budget, job->name);
  texture = job_run (job, &error);
  ks_dir_budget_release (job->budget, job->name);

  if (texture != NULL)
    g_task_return_pointer (task, texture, g_object_unref);
  else
    g_task_return_error (task, error);
}

/* --- Loads and the callers waiting for them */

static void
load_free (Load *load)
{
  g_object_unref (load->cache);
  g_free (load->key);
  g_object_unref (load->item);
  g_clear_object (&load->local);
  g_object_unref (load->cancellable);
  g_ptr_array_unref (load->waiters);
  g_free (load);
}

/* Disconnects and frees @waiter, handing @texture or @error to its task. */
static void
waiter_return (Waiter     *waiter,
               GdkTexture *texture,
               GError     *error)
{
  g_autoptr (GTask) task = waiter->task;

  if (waiter->cancelled_id != 0)
    g_signal_handler_disconnect (waiter->cancellable, waiter->cancelled_id);
  g_clear_object (&waiter->cancellable);
  g_free (waiter);

  if (texture != NULL)
    g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
  else
    g_task_return_error (task, g_error_copy (error));
}

static void
waiter_cancelled_cb (GCancellable *cancellable,
                     Waiter       *waiter)
{
  Load *load = waiter->load;
  g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                  "Cancelled");

  g_ptr_array_remove (load->waiters, waiter);
  waiter_return (waiter, NULL, error);
  /* The last one to lose interest stops the download. */
  if (load->waiters->len == 0)
    g_cancellable_cancel (load->cancellable);
}

static void
add_waiter (Load         *load,
            GTask        *task,
            GCancellable *cancellable)
{
  Waiter *waiter = g_new0 (Waiter, 1);

  waiter->load = load;
  waiter->task = task;
  g_ptr_array_add (load->waiters, waiter);
  if (cancellable != NULL)
    {
      waiter->cancellable = g_object_ref (cancellable);
      waiter->cancelled_id = g_signal_connect (cancellable, "cancelled",
                                               G_CALLBACK (waiter_cancelled_cb), waiter);
    }
}

/* Hands the result to every waiter still interested, then forgets the
 * load. */
static void
load_finish (Load       *load,
             GdkTexture *texture,
             GError     *error)
{
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&load->waiters);

  load->waiters = g_ptr_array_new ();
  if (texture != NULL && load->cache->textures != NULL)
    ks_texture_lru_insert (load->cache->textures, load->key, texture);
  if (g_hash_table_lookup (load->cache->loads, load->key) == load)
    g_hash_table_remove (load->cache->loads, load->key);

  for (guint i = 0; i < waiters->len; i++)
    waiter_return (g_ptr_array_index (waiters, i), texture, error);
  load_free (load);
}

static void download (Load *load);

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Load *load = user_data;
  Job  *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;

  texture = g_task_propagate_pointer (G_TASK (result), &error);
  if (job->written > 0 && load->cache->budget != NULL)
    ks_dir_budget_add (load->cache->budget, job->written);
  if (texture == NULL && job->downloaded == NULL &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) && ks_photo_item_get_photo (load->item) != NULL &&
      (ks_photo_item_get_grid_url (load->item) != NULL || ks_account_get_api (load->cache->account) != NULL))
    {
      download (load);
      return;
    }
  if (texture == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Thumbnail %s: %s", load->key, error->message);
  load_finish (load, texture, error);
}

/* Takes @downloaded. */
static void
run_job (Load   *load,
         GBytes *downloaded)
{
  g_autoptr (GTask) task = g_task_new (NULL, load->cancellable, job_done_cb, load);
  Job *job = job_new (load->cache, load->key);

  job->size = load->size;
  job->tile_size = load->cache->tile_size;
  job->local_path = load->local != NULL ? g_file_get_path (load->local) : NULL;
  job->downloaded = downloaded;
  g_task_set_source_tag (task, run_job);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);
}

static void start_downloads (KsThumbnailCache *self);
static void start_download (Load *load);

static void
renewed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr (KsThumbnailCache) self = g_object_ref (load->cache);
  g_autoptr (GError) error = NULL;

  self->n_downloading--;
  if (ks_photo_renew_urls_finish (result, &error))
    start_download (load);
  else
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Renewing the URL of thumbnail %s: %s", load->key, error->message);
      load_finish (load, NULL, error);
    }
  start_downloads (self);
}

/* Fresh URLs for the photo, then the download: in the download's slot,
 * so a screenful of expired tiles asks six at a time. */
static void
renew_then_download (Load *load)
{
  load->renewed = TRUE;
  load->cache->n_downloading++;
  ks_photo_renew_urls_async (ks_account_get_api (load->cache->account), load->item, load->cancellable, renewed_cb, load);
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Load        *load = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr (KsThumbnailCache) self = g_object_ref (load->cache);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;

  self->n_downloading--;
  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  /* The store refuses an expired URL with 403: renewed once. */
  if (bytes != NULL && soup_message_get_status (msg) == SOUP_STATUS_FORBIDDEN && ks_account_get_api (self->account) != NULL &&
      !load->renewed)
    {
      renew_then_download (load);
      start_downloads (self);
      return;
    }
  if (bytes != NULL && soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      /* Translators: %u is an HTTP status code */
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                           _ ("The thumbnail could not be downloaded (HTTP %u)."),
                           soup_message_get_status (msg));
    }
  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Downloading thumbnail %s: %s", load->key, error->message);
      load_finish (load, NULL, error);
    }
  else
    run_job (load, g_steal_pointer (&bytes));
  start_downloads (self);
}

static void
start_download (Load *load)
{
  const char *url = ks_photo_item_get_grid_url (load->item);
  g_autoptr (SoupMessage) msg = NULL;

  if (ks_account_get_api (load->cache->account) != NULL && !load->renewed && (url == NULL || ks_photo_item_get_urls_expiring (load->item)))
    {
      renew_then_download (load);
      return;
    }
  msg = url != NULL ? soup_message_new (SOUP_METHOD_GET, url) : NULL;
  if (msg == NULL)
    {
      g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                                      _ ("The thumbnail’s address is not valid."));

      load_finish (load, NULL, error);
      return;
    }
  load->cache->n_downloading++;
  soup_session_send_and_read_async (load->cache->soup, msg, G_PRIORITY_LOW, load->cancellable,
                                    downloaded_cb, load);
}

static void
start_downloads (KsThumbnailCache *self)
{
  Load *load;

  while (self->n_downloading < MAX_DOWNLOADS && (load = g_queue_pop_head (&self->downloads)) != NULL)
    {
      if (g_cancellable_is_cancelled (load->cancellable))
        {
          g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                          "Cancelled");

          load_finish (load, NULL, error);
        }
      else
        start_download (load);
    }
}

static void
download (Load *load)
{
  KsThumbnailCache *self = load->cache;

  g_queue_push_tail (&self->downloads, load);
  start_downloads (self);
}

void
ks_thumbnail_cache_load_async (KsThumbnailCache   *self,
                               KsPhotoItem        *item,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  const char *key;
  gint64      size;
  GdkTexture *texture;
  Load       *load;

  g_return_if_fail (KS_IS_THUMBNAIL_CACHE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_thumbnail_cache_load_async);

  key = ks_photo_item_get_grid_sha256 (item, &size);
  texture = ks_thumbnail_cache_peek (self, item);
  if (texture != NULL)
    {
      g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
      return;
    }
  if (key == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
                               _ ("This photo has no thumbnail."));
      return;
    }

  /* A load every waiter gave up on is on its way out: start afresh. */
  load = g_hash_table_lookup (self->loads, key);
  if (load == NULL || g_cancellable_is_cancelled (load->cancellable))
    {
      load = g_new0 (Load, 1);
      load->cache = g_object_ref (self);
      load->key = g_strdup (key);
      load->size = size;
      load->item = g_object_ref (item);
      load->local = ks_photo_item_get_local_thumbnail (item) != NULL
                        ? g_object_ref (ks_photo_item_get_local_thumbnail (item))
                        : NULL;
      load->cancellable = g_cancellable_new ();
      load->waiters = g_ptr_array_new ();
      g_hash_table_replace (self->loads, load->key, load);
      add_waiter (load, g_steal_pointer (&task), cancellable);
      /* The disk first, off the main thread; then the network. */
      run_job (load, NULL);
    }
  else
    add_waiter (load, g_steal_pointer (&task), cancellable);
}

GdkTexture *
ks_thumbnail_cache_load_finish (KsThumbnailCache *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
add_file_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Job             *job = task_data;
  g_autofree char *contents = NULL;
  gsize            length;
  g_autoptr (GError) error = NULL;

  ks_dir_budget_hold (job->budget, job->name);
  if (g_file_get_contents (job->local_path, &contents, &length, &error))
    store (job, contents, length);
  else
    g_debug ("Caching a local thumbnail: %s", error->message);
  ks_dir_budget_release (job->budget, job->name);
  g_task_return_boolean (task, TRUE);
}

static void
add_file_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KsThumbnailCache *self = KS_THUMBNAIL_CACHE (source);
  Job              *job = g_task_get_task_data (G_TASK (result));

  if (job->written > 0 && self->budget != NULL)
    ks_dir_budget_add (self->budget, job->written);
}

void
ks_thumbnail_cache_add_file (KsThumbnailCache *self,
                             const char       *sha256,
                             GFile            *file)
{
  g_autoptr (GTask) task = NULL;
  Job *job;

  g_return_if_fail (KS_IS_THUMBNAIL_CACHE (self));
  g_return_if_fail (G_IS_FILE (file));

  job = job_new (self, sha256);
  job->local_path = g_file_get_path (file);
  if (job->local_path == NULL)
    {
      job_free (job);
      return;
    }
  task = g_task_new (self, NULL, add_file_done_cb, NULL);
  g_task_set_source_tag (task, ks_thumbnail_cache_add_file);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, add_file_thread);
}

gsize
ks_thumbnail_cache_get_memory_size (KsThumbnailCache *self,
                                    guint            *out_n_textures)
{
  g_return_val_if_fail (KS_IS_THUMBNAIL_CACHE (self), 0);

  if (out_n_textures != NULL)
    *out_n_textures = ks_texture_lru_get_length (self->textures);
  return ks_texture_lru_get_cost (self->textures);
}

void
ks_thumbnail_cache_set_tile_size (KsThumbnailCache *self,
                                  int               size)
{
  g_return_if_fail (KS_IS_THUMBNAIL_CACHE (self));

  /* What is decoded already still shows, only less cheaply. */
  self->tile_size = MAX (size, 0);
}

/* --- As a KsThumbnailSource: the library's and albums' tiles */

static GdkTexture *
source_peek (KsThumbnailSource *source,
             KsPhotoItem       *item)
{
  return ks_thumbnail_cache_peek (KS_THUMBNAIL_CACHE (source), item);
}

static void
source_load_async (KsThumbnailSource  *source,
                   KsPhotoItem        *item,
                   GCancellable       *cancellable,
                   GAsyncReadyCallback callback,
                   gpointer            user_data)
{
  ks_thumbnail_cache_load_async (KS_THUMBNAIL_CACHE (source), item, cancellable, callback, user_data);
}

static GdkTexture *
source_load_finish (KsThumbnailSource *source,
                    GAsyncResult      *result,
                    GError           **error)
{
  return ks_thumbnail_cache_load_finish (KS_THUMBNAIL_CACHE (source), result, error);
}

static void
ks_thumbnail_cache_source_init (KsThumbnailSourceInterface *iface)
{
  iface->peek = source_peek;
  iface->load_async = source_load_async;
  iface->load_finish = source_load_finish;
}
