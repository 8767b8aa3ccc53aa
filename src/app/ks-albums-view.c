/* ks-albums-view.c: the user's albums, or the ones friends shared
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ks-album-cover.h"
#include "ks-albums-view.h"
#include "ks-cached-albums.h"
#include "ks-cached-offline-bar.h"
#include "ks-cached-thumbnails.h"
#include "ks-photo-export.h"
#include "ks-photo-item.h"
#include "ks-spinner.h"

struct _KsAlbumsView
{
  GtkWidget parent_instance;

  KsApiClient      *api;          /* nullable */
  KsThumbnailCache *cache;        /* nullable */
  KsCache          *shared_cache; /* nullable: friends' albums offline */
  GPtrArray        *albums;       /* KsAlbum, the listed ones */
  GCancellable     *cancellable;
  gboolean          shared;
  gboolean          from_cache; /* what is listed came from @shared_cache */
  guint             changed_id;

  KsCachedOfflineBar *offline_bar;
  GtkStack           *stack;
  GtkSpinner         *spinner;
  AdwStatusPage      *empty_page;
  AdwStatusPage      *error_page;
  GtkWidget          *new_album_button;
  GtkListBox         *list_box;
};

G_DEFINE_FINAL_TYPE (KsAlbumsView, ks_albums_view, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SHARED,
  N_PROPS
};

enum
{
  ALBUM_ACTIVATED,
  FILES_DROPPED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

const char *
ks_album_role_to_label (const char *role)
{
  if (g_strcmp0 (role, "owner") == 0)
    return _ ("Owner");
  if (g_strcmp0 (role, "contributor") == 0)
    return _ ("Contributor");
  if (g_strcmp0 (role, "viewer") == 0)
    return _ ("Viewer");
  return role;
}

static gboolean
album_accepts_photos (const KsAlbum *album)
{
  return g_strcmp0 (album->role, "owner") == 0 || g_strcmp0 (album->role, "contributor") == 0;
}

static void
update_empty_page (KsAlbumsView *self)
{
  if (self->shared)
    {
      adw_status_page_set_icon_name (self->empty_page, "system-users-symbolic");
      adw_status_page_set_title (self->empty_page, _ ("Nothing Shared Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _ ("Albums your friends share with you appear here."));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "ks-albums-symbolic");
      adw_status_page_set_title (self->empty_page, _ ("No Albums"));
      adw_status_page_set_description (self->empty_page,
                                       _ ("Gather photos into albums to share them with friends."));
    }
  gtk_widget_set_visible (self->new_album_button, !self->shared);
}

static void
row_activated_cb (KsAlbumsView  *self,
                  GtkListBoxRow *row)
{
  int index = gtk_list_box_row_get_index (row);

  if (index >= 0 && (guint) index < self->albums->len)
    g_signal_emit (self, signals[ALBUM_ACTIVATED], 0, g_ptr_array_index (self->albums, index));
}

static gboolean
row_drop_cb (GtkDropTarget *target,
             const GValue  *value,
             double         x,
             double         y,
             KsAlbumsView  *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  int        index = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row));
  g_autoptr (GListStore) files = g_list_store_new (G_TYPE_FILE);

  if (index < 0 || (guint) index >= self->albums->len)
    return FALSE;
  for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
    g_list_store_append (files, l->data);
  g_signal_emit (self, signals[FILES_DROPPED], 0, g_ptr_array_index (self->albums, index), files);
  return TRUE;
}

static char *
album_subtitle (KsAlbumsView  *self,
                const KsAlbum *album)
{
  int              n = (int) CLAMP (album->photo_count, 0, G_MAXINT);
  g_autofree char *count = g_strdup_printf (ngettext ("%d photo", "%d photos", n), n);

  if (!self->shared)
    return g_steal_pointer (&count);
  /* Translators: "alice · Viewer · 12 photos" */
  return g_strdup_printf (_ ("%s · %s · %s"), album->owner, ks_album_role_to_label (album->role), count);
}

/* --- Covers: the album's most recent photo */

typedef struct
{
  KsAlbumsView *self;
  KsAlbumCover *cover;
} CoverRequest;

static void
cover_request_free (CoverRequest *request)
{
  g_object_unref (request->self);
  g_object_unref (request->cover);
  g_free (request);
}

static void
cover_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CoverRequest *request = user_data;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;

  texture = ks_thumbnail_cache_load_finish (KS_THUMBNAIL_CACHE (source), result, &error);
  if (texture != NULL)
    ks_album_cover_set_paintable (request->cover, GDK_PAINTABLE (texture));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Album cover: %s", error->message);
  cover_request_free (request);
}

static void
cover_page_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CoverRequest *request = user_data;
  KsAlbumsView *self = request->self;
  g_autoptr (KsPhotoPage) page = NULL;
  g_autoptr (KsPhotoItem) item = NULL;
  g_autoptr (GError) error = NULL;

  page = ks_api_client_list_album_photos_finish (KS_API_CLIENT (source), result, &error);
  if (page == NULL || page->photos->len == 0 || self->cache == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Album cover: %s", error->message);
      cover_request_free (request);
      return;
    }

  item = ks_photo_item_new (g_ptr_array_steal_index (page->photos, 0));
  ks_thumbnail_cache_load_async (self->cache, item, self->cancellable, cover_loaded_cb, request);
}

static void
load_cover (KsAlbumsView  *self,
            const KsAlbum *album,
            KsAlbumCover  *cover)
{
  CoverRequest *request;

  if (self->cache == NULL || album->photo_count <= 0)
    return;
  request = g_new0 (CoverRequest, 1);
  request->self = g_object_ref (self);
  request->cover = g_object_ref (cover);
  ks_api_client_list_album_photos_async (self->api, album->id, NULL, 1, self->cancellable,
                                         cover_page_cb, request);
}

static void
cached_cover_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (KsAlbumCover) cover = user_data;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;

  texture = ks_cached_thumbnails_load_finish (KS_CACHED_THUMBNAILS (source), result, &error);
  if (texture != NULL)
    ks_album_cover_set_paintable (cover, GDK_PAINTABLE (texture));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Album cover from the cache: %s", error->message);
}

/* The cache's thumbnail of the album's newest photo, no network when it
 * is there. */
static void
load_cached_cover (KsAlbumsView *self,
                   const char   *photo_id,
                   KsAlbumCover *cover)
{
  KsCachedThumbnails *thumbnails = ks_cached_thumbnails_get (self->shared_cache);
  GdkTexture         *texture = ks_cached_thumbnails_peek (thumbnails, photo_id);

  if (texture != NULL)
    ks_album_cover_set_paintable (cover, GDK_PAINTABLE (texture));
  else
    ks_cached_thumbnails_load_async (thumbnails, photo_id, self->cancellable, cached_cover_cb,
                                     g_object_ref (cover));
}

static GtkWidget *
album_row_new (KsAlbumsView  *self,
               const KsAlbum *album,
               const char    *cover_id)
{
  GtkWidget       *row = adw_action_row_new ();
  g_autofree char *subtitle = album_subtitle (self, album);
  GtkWidget       *cover;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), album->name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);

  cover = ks_album_cover_new (48, self->shared ? "system-users-symbolic" : "ks-albums-symbolic");
  gtk_widget_set_margin_top (cover, 6);
  gtk_widget_set_margin_bottom (cover, 6);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), cover);
  if (cover_id != NULL && self->shared_cache != NULL)
    load_cached_cover (self, cover_id, KS_ALBUM_COVER (cover));
  else if (self->api != NULL)
    load_cover (self, album, KS_ALBUM_COVER (cover));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));

  if (album_accepts_photos (album))
    {
      GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

      g_signal_connect (target, "accept", G_CALLBACK (ks_photo_export_accept_external_drop), NULL);
      g_signal_connect (target, "drop", G_CALLBACK (row_drop_cb), self);
      gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (target));
    }
  return row;
}

/* @cover_ids: (nullable) the cache's cover photo of each of @all */
static void
show_albums (KsAlbumsView *self,
             GPtrArray    *all,
             GPtrArray    *cover_ids)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  g_ptr_array_set_size (self->albums, 0);

  for (guint i = 0; i < all->len; i++)
    {
      KsAlbum    *album = g_ptr_array_index (all, i);
      const char *cover_id = cover_ids != NULL ? g_ptr_array_index (cover_ids, i) : NULL;

      if (g_strcmp0 (album->role, "owner") == 0 && self->shared)
        continue;
      if (g_strcmp0 (album->role, "owner") != 0 && !self->shared)
        continue;
      /* Taken, in place: @cover_ids stays in step. */
      g_ptr_array_add (self->albums, album);
      all->pdata[i] = NULL;
      gtk_list_box_append (self->list_box, album_row_new (self, album, cover_id));
    }
  gtk_stack_set_visible_child_name (self->stack, self->albums->len > 0 ? "list" : "empty");
}

static void
albums_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  KsAlbumsView *self = user_data;
  g_autoptr (GPtrArray) albums = NULL;
  g_autoptr (GError) error = NULL;

  albums = ks_api_client_list_albums_finish (KS_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  ks_spinner_set_active (self->spinner, FALSE);
  if (albums == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  self->from_cache = FALSE;
  show_albums (self, albums, NULL);
}

static void load_from_api (KsAlbumsView *self);

static void
cached_albums_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KsAlbumsView *self = user_data;
  g_autoptr (KsCachedAlbums) cached = NULL;
  g_autoptr (GError) error = NULL;

  cached = ks_cached_albums_read_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* A cache that never heard from the server knows nothing yet. */
  if ((cached == NULL || !cached->synced) && self->api != NULL &&
      !ks_cache_get_offline (self->shared_cache))
    {
      if (error != NULL)
        g_warning ("Reading shared albums from the cache: %s", error->message);
      load_from_api (self);
      return;
    }

  ks_spinner_set_active (self->spinner, FALSE);
  if (cached == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  self->from_cache = TRUE;
  show_albums (self, cached->albums, cached->cover_ids);
}

static void
load_from_api (KsAlbumsView *self)
{
  ks_api_client_list_albums_async (self->api, self->cancellable, albums_cb, self);
}

void
ks_albums_view_reload (KsAlbumsView *self)
{
  g_return_if_fail (KS_IS_ALBUMS_VIEW (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->changed_id, g_source_remove);
  if (self->api == NULL && self->shared_cache == NULL)
    return;

  self->cancellable = g_cancellable_new ();
  if (self->albums->len == 0)
    {
      ks_spinner_set_active (self->spinner, TRUE);
      gtk_stack_set_visible_child_name (self->stack, "loading");
    }
  if (self->shared_cache != NULL)
    ks_cached_albums_read_async (self->shared_cache, self->cancellable, cached_albums_cb, self);
  else
    load_from_api (self);
}

static gboolean
cache_changed_idle_cb (gpointer user_data)
{
  KsAlbumsView *self = user_data;

  self->changed_id = 0;
  ks_albums_view_reload (self);
  return G_SOURCE_REMOVE;
}

/* Counts, covers and the list itself: a change to any album shows. A
 * batch of changes costs one read. */
static void
cache_changed_cb (KsAlbumsView *self)
{
  if (self->changed_id == 0)
    self->changed_id = g_idle_add (cache_changed_idle_cb, self);
}

void
ks_albums_view_set_cache (KsAlbumsView *self,
                          KsCache      *cache)
{
  g_return_if_fail (KS_IS_ALBUMS_VIEW (self));

  if (!self->shared)
    cache = NULL;
  if (self->shared_cache == cache)
    return;
  if (self->shared_cache != NULL)
    g_signal_handlers_disconnect_by_data (self->shared_cache, self);
  g_set_object (&self->shared_cache, cache);
  if (cache != NULL)
    {
      g_signal_connect_swapped (cache, "changed", G_CALLBACK (cache_changed_cb), self);
      /* Before its first sync the list came from the server: offline,
       * what the cache has is better than an error. */
      g_signal_connect_swapped (cache, "notify::offline", G_CALLBACK (cache_changed_cb), self);
    }
  ks_cached_offline_bar_set_cache (self->offline_bar, cache);
  ks_albums_view_reload (self);
}

guint
ks_albums_view_get_n_albums (KsAlbumsView *self)
{
  g_return_val_if_fail (KS_IS_ALBUMS_VIEW (self), 0);

  return self->albums->len;
}

gboolean
ks_albums_view_get_from_cache (KsAlbumsView *self)
{
  g_return_val_if_fail (KS_IS_ALBUMS_VIEW (self), FALSE);

  return self->from_cache;
}

void
ks_albums_view_set_api (KsAlbumsView     *self,
                        KsApiClient      *api,
                        KsThumbnailCache *cache)
{
  g_return_if_fail (KS_IS_ALBUMS_VIEW (self));

  g_set_object (&self->cache, cache);
  if (!g_set_object (&self->api, api))
    return;
  g_ptr_array_set_size (self->albums, 0);
  self->from_cache = FALSE;
  ks_albums_view_reload (self);
}

const KsAlbum *
ks_albums_view_lookup (KsAlbumsView *self,
                       const char   *id)
{
  g_return_val_if_fail (KS_IS_ALBUMS_VIEW (self), NULL);

  for (guint i = 0; i < self->albums->len; i++)
    {
      const KsAlbum *album = g_ptr_array_index (self->albums, i);

      if (g_strcmp0 (album->id, id) == 0)
        return album;
    }
  return NULL;
}

static void
ks_albums_view_dispose (GObject *object)
{
  KsAlbumsView *self = KS_ALBUMS_VIEW (object);
  GtkWidget    *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->changed_id, g_source_remove);
  if (self->shared_cache != NULL)
    g_signal_handlers_disconnect_by_data (self->shared_cache, self);
  g_clear_object (&self->shared_cache);
  g_clear_object (&self->api);
  g_clear_object (&self->cache);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_ALBUMS_VIEW);
  /* The template's root is not a bound child. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (ks_albums_view_parent_class)->dispose (object);
}

static void
ks_albums_view_finalize (GObject *object)
{
  g_ptr_array_unref (KS_ALBUMS_VIEW (object)->albums);

  G_OBJECT_CLASS (ks_albums_view_parent_class)->finalize (object);
}

static void
ks_albums_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KsAlbumsView *self = KS_ALBUMS_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHARED:
      g_value_set_boolean (value, self->shared);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_albums_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KsAlbumsView *self = KS_ALBUMS_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHARED:
      if (self->shared != g_value_get_boolean (value))
        {
          self->shared = g_value_get_boolean (value);
          update_empty_page (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_albums_view_class_init (KsAlbumsViewClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_albums_view_dispose;
  object_class->finalize = ks_albums_view_finalize;
  object_class->get_property = ks_albums_view_get_property;
  object_class->set_property = ks_albums_view_set_property;

  properties[PROP_SHARED] =
      g_param_spec_boolean ("shared", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ALBUM_ACTIVATED] =
      g_signal_new ("album-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[FILES_DROPPED] =
      g_signal_new ("files-dropped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_LIST_MODEL);

  g_type_ensure (KS_TYPE_CACHED_OFFLINE_BAR);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-albums-view.ui");
  gtk_widget_class_bind_template_child (widget_class, KsAlbumsView, offline_bar);
  gtk_widget_class_bind_template_child (widget_class, KsAlbumsView, stack);
  gtk_widget_class_bind_template_child (widget_class, KsAlbumsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, KsAlbumsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, KsAlbumsView, error_page);
  gtk_widget_class_bind_template_child (widget_class, KsAlbumsView, new_album_button);
  gtk_widget_class_bind_template_child (widget_class, KsAlbumsView, list_box);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, ks_albums_view_reload);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ks_albums_view_init (KsAlbumsView *self)
{
  self->albums = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_album_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  update_empty_page (self);
}
