/* ks-test-hooks.c: what the UI tests use to see and drive the app
 *
 * Development only (KEEPSAKE_TEST_HOOKS): nothing here is a second way
 * to do what the app does; it reads widgets and acts on them the way a
 * user (or an accessibility client) would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-setup-view-private.h"
#include "ks-test-hooks.h"
#include "ks-window-private.h"

/* --- Finding widgets: "id", "type:GtkName", or "outer>inner" */

static gboolean
widget_matches (GtkWidget  *widget,
                const char *selector)
{
  const char *id;

  if (g_str_has_prefix (selector, "type:"))
    return g_str_equal (G_OBJECT_TYPE_NAME (widget), selector + strlen ("type:"));
  id = gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget));
  return id != NULL && g_str_equal (id, selector);
}

static GtkWidget *
find_in (GtkWidget  *root,
         const char *selector)
{
  if (gtk_widget_get_mapped (root) && widget_matches (root, selector))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_in (child, selector);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Mapped widgets only, newest window first (dialogs before the window). */
static GtkWidget *
find_widget (const char *selector)
{
  g_auto (GStrv) parts = g_strsplit (selector, ">", -1);
  g_autoptr (GList) toplevels = gtk_window_list_toplevels ();
  GtkWidget *found = NULL;

  for (GList *l = g_list_last (toplevels); l != NULL && found == NULL; l = l->prev)
    {
      GtkWidget *widget = l->data;

      for (guint i = 0; parts[i] != NULL && widget != NULL; i++)
        widget = find_in (widget, parts[i]);
      found = widget;
    }
  return found;
}

/* --- State */

static void
collect_labels (GtkWidget *widget,
                GPtrArray *labels)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget) && *gtk_label_get_text (GTK_LABEL (widget)) != '\0')
    g_ptr_array_add (labels, (gpointer) gtk_label_get_text (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_labels (child, labels);
}

static void
add_string (GVariantBuilder *builder,
            const char      *key,
            const char      *value)
{
  g_variant_builder_add (builder, "{sv}", key, g_variant_new_string (value != NULL ? value : ""));
}

static void
add_window_state (GVariantBuilder *builder,
                  KsWindow        *window)
{
  GListModel *library = G_LIST_MODEL (window->library);
  GListModel *album = G_LIST_MODEL (window->album_photos);

  add_string (builder, "stack", gtk_stack_get_visible_child_name (window->main_stack));
  add_string (builder, "setup-page", gtk_stack_get_visible_child_name (window->setup_view->stack));
  add_string (builder, "page", adw_view_stack_get_visible_child_name (window->view_stack));
  add_string (builder, "title", adw_window_title_get_title (window->content_title));
  add_string (builder, "subtitle", adw_window_title_get_subtitle (window->content_title));
  add_string (builder, "user", ks_account_get_username (window->account));
  add_string (builder, "server-url", ks_account_get_server_url (window->account));
  g_variant_builder_add (builder, "{sv}", "signed-in",
                         g_variant_new_boolean (ks_account_get_signed_in (window->account)));
  g_variant_builder_add (builder, "{sv}", "library-count",
                         g_variant_new_uint32 (library != NULL ? g_list_model_get_n_items (library) : 0));
  g_variant_builder_add (builder, "{sv}", "library-loaded",
                         g_variant_new_boolean (window->library != NULL &&
                                                ks_photo_list_get_loaded (window->library)));
  g_variant_builder_add (builder, "{sv}", "album-count",
                         g_variant_new_uint32 (album != NULL ? g_list_model_get_n_items (album) : 0));
  if (window->queue != NULL)
    {
      g_variant_builder_add (builder, "{sv}", "uploads-busy",
                             g_variant_new_boolean (ks_upload_queue_get_busy (window->queue)));
      g_variant_builder_add (builder, "{sv}", "uploads-total",
                             g_variant_new_uint32 (ks_upload_queue_get_n_total (window->queue)));
      g_variant_builder_add (builder, "{sv}", "uploads-done",
                             g_variant_new_uint32 (ks_upload_queue_get_n_done (window->queue)));
      g_variant_builder_add (builder, "{sv}", "uploads-failed",
                             g_variant_new_uint32 (ks_upload_queue_get_n_failed (window->queue)));
      g_variant_builder_add (builder, "{sv}", "uploads-paused",
                             g_variant_new_boolean (ks_upload_queue_get_paused (window->queue)));
    }
}

static GVariant *
build_state (KsApplication *app)
{
  g_autoptr (GPtrArray) labels = g_ptr_array_new ();
  g_autoptr (GPtrArray) windows = g_ptr_array_new ();
  g_autoptr (GList) toplevels = gtk_window_list_toplevels ();
  GtkWindow      *active = gtk_application_get_active_window (GTK_APPLICATION (app));
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (gtk_widget_get_mapped (l->data))
      {
        g_ptr_array_add (windows, (gpointer) G_OBJECT_TYPE_NAME (l->data));
        collect_labels (l->data, labels);
      }
  g_variant_builder_add (&builder, "{sv}", "windows",
                         g_variant_new_strv ((const char *const *) windows->pdata, windows->len));
  g_variant_builder_add (&builder, "{sv}", "labels",
                         g_variant_new_strv ((const char *const *) labels->pdata, labels->len));
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (KS_IS_WINDOW (l->data))
      {
        add_window_state (&builder, l->data);
        break;
      }
  add_string (&builder, "active-window", active != NULL ? G_OBJECT_TYPE_NAME (active) : "");
  return g_variant_builder_end (&builder);
}

static void
state_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  g_simple_action_set_state (action, build_state (user_data));
}

/* --- Acting on widgets */

static gboolean
act (GtkWidget  *widget,
     const char *verb,
     const char *argument)
{
  if (g_str_equal (verb, "set-text") && GTK_IS_EDITABLE (widget))
    gtk_editable_set_text (GTK_EDITABLE (widget), argument);
  else if (g_str_equal (verb, "activate"))
    return gtk_widget_activate (widget);
  else if (g_str_equal (verb, "emit"))
    g_signal_emit_by_name (widget, argument);
  else if (g_str_equal (verb, "action"))
    {
      g_autofree char *name = NULL;
      g_autoptr (GVariant) target = NULL;

      if (!g_action_parse_detailed_name (argument, &name, &target, NULL))
        return FALSE;
      return gtk_widget_activate_action_variant (widget, name, target);
    }
  else if (g_str_equal (verb, "select") && GTK_IS_DROP_DOWN (widget))
    gtk_drop_down_set_selected (GTK_DROP_DOWN (widget), (guint) g_ascii_strtoull (argument, NULL, 10));
  else if (g_str_equal (verb, "popup") && GTK_IS_MENU_BUTTON (widget))
    gtk_menu_button_popup (GTK_MENU_BUTTON (widget));
  else if (g_str_equal (verb, "popdown") && GTK_IS_MENU_BUTTON (widget))
    gtk_menu_button_popdown (GTK_MENU_BUTTON (widget));
  else if (g_str_equal (verb, "response") && ADW_IS_MESSAGE_DIALOG (widget))
    {
      /* What its buttons do. */
      adw_message_dialog_response (ADW_MESSAGE_DIALOG (widget), argument);
      gtk_window_close (GTK_WINDOW (widget));
    }
  else if (g_str_equal (verb, "close") && GTK_IS_WINDOW (widget))
    gtk_window_close (GTK_WINDOW (widget));
  else
    return FALSE;
  return TRUE;
}

static void
widget_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  const char *selector, *verb, *argument;
  GtkWidget  *widget;

  g_variant_get (parameter, "(&s&s&s)", &selector, &verb, &argument);
  widget = find_widget (selector);
  if (widget == NULL)
    g_warning ("test-widget: nothing visible matches “%s”", selector);
  else if (!act (widget, verb, argument))
    g_warning ("test-widget: “%s” on %s “%s” did nothing", verb, G_OBJECT_TYPE_NAME (widget), selector);
}

void
ks_test_hooks_install (KsApplication *app)
{
  g_autoptr (GSimpleAction) state = NULL;
  g_autoptr (GSimpleAction) widget = NULL;

  g_return_if_fail (KS_IS_APPLICATION (app));

  state = g_simple_action_new_stateful ("test-state", NULL, g_variant_new ("a{sv}", NULL));
  g_signal_connect_object (state, "activate", G_CALLBACK (state_activated), app, 0);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (state));

  widget = g_simple_action_new ("test-widget", G_VARIANT_TYPE ("(sss)"));
  g_signal_connect (widget, "activate", G_CALLBACK (widget_activated), NULL);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (widget));
}
