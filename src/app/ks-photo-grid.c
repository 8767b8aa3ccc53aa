/* ks-photo-grid.c: a grid of photos with its loading and empty states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ks-photo-grid.h"
#include "ks-photo-tile.h"

struct _KsPhotoGrid
{
  GtkWidget parent_instance;

  KsPhotoList      *list;  /* nullable */
  KsThumbnailCache *cache; /* nullable */

  GtkStack      *stack;
  GtkSpinner    *spinner;
  AdwStatusPage *empty_page;
  AdwStatusPage *error_page;
  GtkGridView   *grid_view;
  GtkActionBar  *selection_bar;
  GtkLabel      *selection_label;
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
  gtk_spinner_set_spinning (self->spinner, g_str_equal (page, "loading"));
  gtk_stack_set_visible_child_name (self->stack, page);
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

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          KsPhotoGrid              *self)
{
  gtk_list_item_set_child (list_item, ks_photo_tile_new (self->cache));
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         KsPhotoGrid              *self)
{
  ks_photo_tile_set_item (KS_PHOTO_TILE (gtk_list_item_get_child (list_item)),
                          gtk_list_item_get_item (list_item));
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           KsPhotoGrid              *self)
{
  ks_photo_tile_set_item (KS_PHOTO_TILE (gtk_list_item_get_child (list_item)), NULL);
}

static void
ks_photo_grid_dispose (GObject *object)
{
  KsPhotoGrid *self = KS_PHOTO_GRID (object);

  ks_photo_grid_set_model (self, NULL, NULL);
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

static void
ks_photo_grid_class_init (KsPhotoGridClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

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
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
  gtk_widget_class_install_action (widget_class, "grid.unselect-all", NULL, unselect_all_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "grid.unselect-all", NULL);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ks_photo_grid_init (KsPhotoGrid *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
  update_page (self);
}

void
ks_photo_grid_set_model (KsPhotoGrid      *self,
                         KsPhotoList      *list,
                         KsThumbnailCache *cache)
{
  g_autoptr (GtkSelectionModel) selection = NULL;

  g_return_if_fail (KS_IS_PHOTO_GRID (self));

  if (self->list != NULL)
    g_signal_handlers_disconnect_by_func (self->list, update_page, self);
  gtk_grid_view_set_model (self->grid_view, NULL);
  g_set_object (&self->list, list);
  g_set_object (&self->cache, cache);

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

KsPhotoList *
ks_photo_grid_get_model (KsPhotoGrid *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_GRID (self), NULL);

  return self->list;
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
