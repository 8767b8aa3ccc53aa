/* ks-photo-grid.c: a grid of photos with its loading and empty states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ks-photo-export.h"
#include "ks-cached-photo-list.h"
#include "ks-photo-grid.h"
#include "ks-photo-tile.h"
#include "ks-spinner.h"

struct _KsPhotoGrid
{
  GtkWidget parent_instance;

  KsPhotoList        *list;   /* nullable */
  KsThumbnailCache   *cache;  /* nullable */
  KsCachedThumbnails *cached; /* nullable: the list's photos come from the cache */
  GtkWidget          *banner; /* nullable */
  KsApiClient        *api;    /* nullable */
  SoupSession        *soup;   /* nullable */

  guint layout_idle_id;
  int   tile_size; /* told to the cache, device pixels; 0 until then */

  GtkStack      *stack;
  GtkSpinner    *spinner;
  AdwStatusPage *empty_page;
  AdwStatusPage *error_page;
  GtkGridView   *grid_view;
  GtkActionBar  *selection_bar;
  GtkLabel      *selection_label;
  GtkRevealer   *date_revealer;
  GtkLabel      *date_label;
  guint          date_hide_id;
};

G_DEFINE_FINAL_TYPE (KsPhotoGrid, ks_photo_grid, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_EMPTY_ICON_NAME,
  PROP_EMPTY_TITLE,
  PROP_EMPTY_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_PHOTO_ACTIVATED,
  SIGNAL_SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- Fitting the grid to its width
 *
 * How many tiles live: GtkGridView keeps max-columns x 30 of them bound
 * (gtkgridview.c), however few columns fit. With the template's 24 that
 * was 720 tiles, each holding a texture and loading its thumbnail, for
 * the 20-40 on screen.
 *
 * At what size thumbnails are decoded: the size tiles show them at, so
 * that drawing them needs no scaling (for the cairo renderer, scaling
 * was most of a frame) and they take a third of the memory. */

/* A tile's minimum width (ks-photo-tile.c), the child's padding and the
 * grid's (style.css). */
#define MIN_COLUMN_WIDTH (112 + 6)
#define CHILD_PADDING 6
#define GRID_PADDING 24
#define MAX_COLUMNS 24

/* A tile's height (tiles are square), or an estimate before any is laid
 * out. */
static int
tile_size (KsPhotoGrid *self,
           int          width)
{
  guint columns;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->grid_view)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *tile = gtk_widget_get_first_child (child);

      if (tile != NULL && gtk_widget_get_child_visible (child) && gtk_widget_get_height (tile) > 0)
        return gtk_widget_get_height (tile);
    }
  columns = CLAMP ((guint) MAX (width - GRID_PADDING, 0) / MIN_COLUMN_WIDTH,
                   gtk_grid_view_get_min_columns (self->grid_view), MAX_COLUMNS);
  return (width - GRID_PADDING) / (int) columns - CHILD_PADDING;
}

static int
view_width (KsPhotoGrid *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self->grid_view));

  return width > 0 ? width : gtk_widget_get_width (GTK_WIDGET (self));
}

static void
update_tile_size (KsPhotoGrid *self)
{
  int width = view_width (self);
  int size = width > 0 ? tile_size (self, width) * gtk_widget_get_scale_factor (GTK_WIDGET (self)) : 0;

  if (self->cache != NULL && size > 0 && size != self->tile_size)
    {
      self->tile_size = size;
      ks_thumbnail_cache_set_tile_size (self->cache, size);
    }
}

static void
update_layout (KsPhotoGrid *self)
{
  int   width = view_width (self);
  guint columns;

  if (width <= 0)
    return;
  /* One more than fit: never what limits the layout. */
  columns = CLAMP ((guint) width / MIN_COLUMN_WIDTH + 1, gtk_grid_view_get_min_columns (self->grid_view),
                   MAX_COLUMNS);
  if (columns != gtk_grid_view_get_max_columns (self->grid_view))
    gtk_grid_view_set_max_columns (self->grid_view, columns);
  update_tile_size (self);
}

static gboolean
update_layout_cb (gpointer user_data)
{
  KsPhotoGrid *self = user_data;

  self->layout_idle_id = 0;
  update_layout (self);
  return G_SOURCE_REMOVE;
}

/* The horizontal adjustment follows the view's width; the change waits
 * for the allocation to end. */
static void
width_changed_cb (KsPhotoGrid *self)
{
  if (self->layout_idle_id == 0)
    self->layout_idle_id = g_idle_add (update_layout_cb, self);
}

static void
update_page (KsPhotoGrid *self)
{
  const char *page;

  if (self->list == NULL)
    page = "loading";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->list)) > 0)
    page = "grid";
  else if (ks_photo_list_get_error (self->list) != NULL)
    page = "error";
  else if (!ks_photo_list_get_loaded (self->list))
    page = "loading";
  else
    page = "empty";

  adw_status_page_set_description (self->error_page,
                                   self->list != NULL ? ks_photo_list_get_error (self->list) : NULL);
  ks_spinner_set_active (self->spinner, g_str_equal (page, "loading"));
  /* Before the grid's first layout. */
  if (g_str_equal (page, "grid"))
    update_layout (self);
  gtk_stack_set_visible_child_name (self->stack, page);
  /* The focus given to the grid while it loaded goes to what shows
   * instead: "Add Photos…", "Retry". */
  if (!g_str_equal (page, "grid") && gtk_widget_has_focus (GTK_WIDGET (self->grid_view)))
    gtk_widget_child_focus (gtk_stack_get_visible_child (self->stack), GTK_DIR_TAB_FORWARD);
}

static void
retry_clicked_cb (KsPhotoGrid *self)
{
  if (self->list != NULL)
    ks_photo_list_reload (self->list);
}

static void
activate_cb (KsPhotoGrid *self,
             guint        position)
{
  g_signal_emit (self, signals[SIGNAL_PHOTO_ACTIVATED], 0, position);
}

static void
selection_changed_cb (KsPhotoGrid *self)
{
  GtkSelectionModel *model = gtk_grid_view_get_model (self->grid_view);
  g_autoptr (GtkBitset) selected = model != NULL ? gtk_selection_model_get_selection (model) : NULL;
  guint64          n = selected != NULL ? gtk_bitset_get_size (selected) : 0;
  g_autofree char *label = NULL;

  /* Translators: in the bar shown while photos are selected */
  label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Selected", "%u Selected", (gulong) n),
                           (guint) n);
  gtk_label_set_label (self->selection_label, label);
  gtk_action_bar_set_revealed (self->selection_bar, n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "grid.unselect-all", n > 0);
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

static void
unselect_all_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  GtkSelectionModel *model = gtk_grid_view_get_model (KS_PHOTO_GRID (widget)->grid_view);

  if (model != NULL)
    gtk_selection_model_unselect_all (model);
}

/* --- Dragging photos out */

static void
export_failed_cb (KsPhotoGrid *self,
                  const char  *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
}

static GdkContentProvider *
drag_prepare_cb (GtkDragSource *source,
                 double         x,
                 double         y,
                 GtkListItem   *list_item)
{
  GtkWidget *tile = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  GtkWidget *grid = gtk_widget_get_ancestor (tile, KS_TYPE_PHOTO_GRID);
  guint      position = gtk_list_item_get_position (list_item);

  if (grid == NULL || position == GTK_INVALID_LIST_POSITION)
    return NULL;
  return ks_photo_grid_create_drag_content (KS_PHOTO_GRID (grid), position);
}

static void
drag_begin_cb (GtkDragSource *source,
               GdkDrag       *drag,
               GtkListItem   *list_item)
{
  GtkWidget          *tile = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  GdkContentProvider *content = gdk_drag_get_content (drag);
  g_autoptr (GdkPaintable) icon = NULL;

  if (!KS_IS_PHOTO_EXPORT (content))
    return;
  icon = ks_photo_tile_create_drag_icon (KS_PHOTO_TILE (tile),
                                         ks_photo_export_get_n_photos (KS_PHOTO_EXPORT (content)));
  if (icon != NULL)
    gtk_drag_source_set_icon (source, icon, gdk_paintable_get_intrinsic_width (icon) / 2,
                              gdk_paintable_get_intrinsic_height (icon) / 2);
}

/* GtkGridView would start a rubber band on the motion that starts a
 * tile's drag, and leave it on screen after the drop: rubber bands start
 * between tiles only. */
static void
tile_pressed_cb (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 KsPhotoGrid     *self)
{
  gtk_grid_view_set_enable_rubberband (self->grid_view, FALSE);
}

static void
tile_press_end_cb (GtkGesture       *gesture,
                   GdkEventSequence *sequence,
                   KsPhotoGrid      *self)
{
  gtk_grid_view_set_enable_rubberband (self->grid_view, TRUE);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          KsPhotoGrid              *self)
{
  GtkWidget     *tile;
  GtkDragSource *source;
  GtkGesture    *press;

  /* Photos from the shared-album cache draw their thumbnails from it. */
  tile = ks_photo_tile_new (self->cached != NULL ? KS_THUMBNAIL_SOURCE (self->cached)
                                                 : KS_THUMBNAIL_SOURCE (self->cache));
  source = gtk_drag_source_new ();
  /* The list item owns the tile, which owns the drag source. */
  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect (source, "prepare", G_CALLBACK (drag_prepare_cb), list_item);
  g_signal_connect (source, "drag-begin", G_CALLBACK (drag_begin_cb), list_item);
  gtk_widget_add_controller (tile, GTK_EVENT_CONTROLLER (source));
  press = gtk_gesture_click_new ();
  g_signal_connect (press, "pressed", G_CALLBACK (tile_pressed_cb), self);
  g_signal_connect (press, "end", G_CALLBACK (tile_press_end_cb), self);
  gtk_widget_add_controller (tile, GTK_EVENT_CONTROLLER (press));
  gtk_list_item_set_child (list_item, tile);
}

static void
set_tile_item (GtkListItem *list_item,
               KsPhotoItem *item)
{
  ks_photo_tile_set_item (KS_PHOTO_TILE (gtk_list_item_get_child (list_item)), item);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         KsPhotoGrid              *self)
{
  /* The first tiles are bound in the grid's first allocation, before
   * the width is known anywhere else: their thumbnails too should be
   * decoded at tile size. */
  if (self->tile_size == 0)
    update_tile_size (self);
  set_tile_item (list_item, gtk_list_item_get_item (list_item));
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           KsPhotoGrid              *self)
{
  set_tile_item (list_item, NULL);
}

/* A new factory makes every tile again, of the kind the list needs. */
static void
set_factory (KsPhotoGrid *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
}

static void
ks_photo_grid_dispose (GObject *object)
{
  KsPhotoGrid *self = KS_PHOTO_GRID (object);

  g_clear_handle_id (&self->layout_idle_id, g_source_remove);
  g_clear_handle_id (&self->date_hide_id, g_source_remove);
  ks_photo_grid_set_model (self, NULL, NULL);
  ks_photo_grid_set_services (self, NULL, NULL);
  g_clear_pointer (&self->banner, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_PHOTO_GRID);

  G_OBJECT_CLASS (ks_photo_grid_parent_class)->dispose (object);
}

static void
ks_photo_grid_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KsPhotoGrid *self = KS_PHOTO_GRID (object);

  switch (prop_id)
    {
    case PROP_EMPTY_ICON_NAME:
      g_value_set_string (value, adw_status_page_get_icon_name (self->empty_page));
      break;
    case PROP_EMPTY_TITLE:
      g_value_set_string (value, adw_status_page_get_title (self->empty_page));
      break;
    case PROP_EMPTY_DESCRIPTION:
      g_value_set_string (value, adw_status_page_get_description (self->empty_page));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_photo_grid_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  KsPhotoGrid *self = KS_PHOTO_GRID (object);
  const char  *text = g_value_get_string (value);
  g_auto (GValue) old = G_VALUE_INIT;

  /* Kept by the status page; notify only when it changes. */
  g_value_init (&old, G_TYPE_STRING);
  ks_photo_grid_get_property (object, prop_id, &old, pspec);
  if (g_strcmp0 (g_value_get_string (&old), text) == 0)
    return;

  switch (prop_id)
    {
    case PROP_EMPTY_ICON_NAME:
      adw_status_page_set_icon_name (self->empty_page, text);
      break;
    case PROP_EMPTY_TITLE:
      adw_status_page_set_title (self->empty_page, text);
      break;
    case PROP_EMPTY_DESCRIPTION:
      adw_status_page_set_description (self->empty_page, text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
}

/* --- When the photos on screen were added: GTK 4.8's grid view has no
 * section headers, so the date floats over the top while scrolling. */

static gboolean
hide_date_cb (gpointer user_data)
{
  KsPhotoGrid *self = user_data;

  self->date_hide_id = 0;
  gtk_revealer_set_reveal_child (self->date_revealer, FALSE);
  return G_SOURCE_REMOVE;
}

/* "March 2026" for the photo at the top of the grid. */
static char *
top_date (KsPhotoGrid *self)
{
  GtkWidget     *widget = GTK_WIDGET (self->grid_view);
  GtkWidget     *picked = gtk_widget_pick (widget, gtk_widget_get_width (widget) / 2.0, 24, GTK_PICK_DEFAULT);
  const KsPhoto *photo = NULL;
  const char    *when;
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;

  while (picked != NULL && !KS_IS_PHOTO_TILE (picked))
    picked = gtk_widget_get_parent (picked);
  if (picked != NULL && ks_photo_tile_get_item (KS_PHOTO_TILE (picked)) != NULL)
    photo = ks_photo_item_get_photo (ks_photo_tile_get_item (KS_PHOTO_TILE (picked)));
  if (photo == NULL)
    return NULL;
  /* Grids are in the order photos were added: to the album, or to the
   * library. */
  when = photo->added_at != NULL ? photo->added_at : photo->committed_at != NULL ? photo->committed_at
                                                                                 : photo->created_at;
  utc = when != NULL ? g_date_time_new_from_iso8601 (when, NULL) : NULL;
  local = utc != NULL ? g_date_time_to_local (utc) : NULL;
  /* Translators: a month and year, as g_date_time_format() takes it */
  return local != NULL ? g_date_time_format (local, _ ("%OB %Y")) : NULL;
}

static void
scrolled_cb (KsPhotoGrid *self)
{
  g_autofree char *date = top_date (self);

  if (date == NULL)
    return;
  gtk_label_set_label (self->date_label, date);
  gtk_revealer_set_reveal_child (self->date_revealer, TRUE);
  g_clear_handle_id (&self->date_hide_id, g_source_remove);
  self->date_hide_id = g_timeout_add (1500, hide_date_cb, self);
}

/* Focusing the grid focuses its photos, even before they arrive (then
 * update_page() passes it on if none do). */
static gboolean
ks_photo_grid_grab_focus (GtkWidget *widget)
{
  KsPhotoGrid *self = KS_PHOTO_GRID (widget);

  return gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
}

static void
ks_photo_grid_class_init (KsPhotoGridClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->grab_focus = ks_photo_grid_grab_focus;
  object_class->dispose = ks_photo_grid_dispose;
  object_class->get_property = ks_photo_grid_get_property;
  object_class->set_property = ks_photo_grid_set_property;

  /* The empty state's status page. */
  properties[PROP_EMPTY_ICON_NAME] =
      g_param_spec_string ("empty-icon-name", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_EMPTY_TITLE] =
      g_param_spec_string ("empty-title", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_EMPTY_DESCRIPTION] =
      g_param_spec_string ("empty-description", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (guint position): Enter or a double click on a photo. */
  signals[SIGNAL_PHOTO_ACTIVATED] =
      g_signal_new ("photo-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_SELECTION_CHANGED] =
      g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-photo-grid.ui");
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, stack);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, spinner);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, empty_page);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, error_page);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, grid_view);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, selection_bar);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, selection_label);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, date_revealer);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoGrid, date_label);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
  gtk_widget_class_install_action (widget_class, "grid.unselect-all", NULL, unselect_all_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "grid.unselect-all", NULL);
  /* A banner may go above the stack. */
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
}

static void
ks_photo_grid_init (KsPhotoGrid *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  g_signal_connect_object (gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (self->grid_view)), "changed",
                           G_CALLBACK (width_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->grid_view)), "value-changed",
                           G_CALLBACK (scrolled_cb), self, G_CONNECT_SWAPPED);
  set_factory (self);
  update_page (self);
}

void
ks_photo_grid_set_model (KsPhotoGrid      *self,
                         KsPhotoList      *list,
                         KsThumbnailCache *cache)
{
  g_autoptr (GtkSelectionModel) selection = NULL;
  KsCachedPhotoList  *feeder = list != NULL ? ks_cached_photo_list_from_list (list) : NULL;
  KsCachedThumbnails *cached = feeder != NULL ? ks_cached_photo_list_get_thumbnails (feeder) : NULL;

  g_return_if_fail (KS_IS_PHOTO_GRID (self));

  if (self->list != NULL)
    g_signal_handlers_disconnect_by_func (self->list, update_page, self);
  gtk_grid_view_set_model (self->grid_view, NULL);
  g_set_object (&self->list, list);
  if (g_set_object (&self->cache, cache))
    self->tile_size = 0;
  if (g_set_object (&self->cached, cached))
    set_factory (self);

  if (list != NULL)
    {
      selection = GTK_SELECTION_MODEL (gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (list))));
      g_signal_connect_swapped (selection, "selection-changed", G_CALLBACK (selection_changed_cb), self);
      /* Removing selected photos changes the selection without saying so. */
      g_signal_connect_swapped (selection, "items-changed", G_CALLBACK (selection_changed_cb), self);
      gtk_grid_view_set_model (self->grid_view, selection);
      g_signal_connect_swapped (list, "items-changed", G_CALLBACK (update_page), self);
      g_signal_connect_swapped (list, "notify::loaded", G_CALLBACK (update_page), self);
      g_signal_connect_swapped (list, "notify::error", G_CALLBACK (update_page), self);
    }
  update_page (self);
  selection_changed_cb (self);
}

void
ks_photo_grid_set_banner (KsPhotoGrid *self,
                          GtkWidget   *banner)
{
  g_return_if_fail (KS_IS_PHOTO_GRID (self));

  if (self->banner == banner)
    return;
  g_clear_pointer (&self->banner, gtk_widget_unparent);
  self->banner = banner;
  if (banner != NULL)
    gtk_widget_insert_after (banner, GTK_WIDGET (self), NULL);
}

KsPhotoList *
ks_photo_grid_get_model (KsPhotoGrid *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_GRID (self), NULL);

  return self->list;
}

void
ks_photo_grid_set_services (KsPhotoGrid *self,
                            KsApiClient *api,
                            SoupSession *soup)
{
  g_return_if_fail (KS_IS_PHOTO_GRID (self));

  g_set_object (&self->api, api);
  g_set_object (&self->soup, soup);
}

GPtrArray *
ks_photo_grid_get_selected (KsPhotoGrid *self)
{
  GtkSelectionModel *model;
  g_autoptr (GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint         position;
  GPtrArray    *items = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (KS_IS_PHOTO_GRID (self), items);

  model = gtk_grid_view_get_model (self->grid_view);
  if (model == NULL)
    return items;
  selected = gtk_selection_model_get_selection (model);
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (model), position));
  return items;
}

void
ks_photo_grid_unselect_all (KsPhotoGrid *self)
{
  g_return_if_fail (KS_IS_PHOTO_GRID (self));

  unselect_all_action (GTK_WIDGET (self), NULL, NULL);
}

void
ks_photo_grid_focus_photo (KsPhotoGrid *self,
                           guint        position)
{
  GtkSelectionModel *model;
  g_autoptr (GtkBitset) selected = NULL;

  g_return_if_fail (KS_IS_PHOTO_GRID (self));

  model = gtk_grid_view_get_model (self->grid_view);
  if (model == NULL)
    return;
  /* The click that opened the viewer selected the photo it started on:
   * follow it to the one the viewer ended on. */
  selected = gtk_selection_model_get_selection (model);
  if (gtk_bitset_get_size (selected) == 1 && gtk_bitset_get_nth (selected, 0) != position)
    gtk_selection_model_select_item (model, position, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", position);
  gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
}

GdkContentProvider *
ks_photo_grid_create_drag_content (KsPhotoGrid *self,
                                   guint        position)
{
  GtkSelectionModel *model;
  g_autoptr (GPtrArray) items = NULL;
  KsPhotoExport *export;

  g_return_val_if_fail (KS_IS_PHOTO_GRID (self), NULL);

  model = gtk_grid_view_get_model (self->grid_view);
  if (self->api == NULL || self->soup == NULL || model == NULL ||
      position >= g_list_model_get_n_items (G_LIST_MODEL (model)))
    return NULL;

  if (gtk_selection_model_is_selected (model, position))
    items = ks_photo_grid_get_selected (self);
  else
    {
      items = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (model), position));
    }
  export = ks_photo_export_new (self->api, self->soup, items);
  g_signal_connect_object (export, "failed", G_CALLBACK (export_failed_cb), self, G_CONNECT_SWAPPED);
  return GDK_CONTENT_PROVIDER (export);
}
