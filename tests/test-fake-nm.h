/* test-fake-nm.h: a fake org.freedesktop.NetworkManager on a test bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It exports what GIO's NetworkManager monitor (gio/gnetworkmonitornm.c)
 * reads: the name owned, then State, Connectivity and Metered of the
 * manager, cached from GetAll and kept up by PropertiesChanged. Without
 * the name or Connectivity GIO falls back to its netlink monitor, which
 * never says metered, and says nothing: the fake counts the reads so a
 * test can tell it was asked. Like test-fake-upower.h, it answers from a
 * thread and a GMainContext of its own; header-only, static.
 */
#pragma once

#include <gio/gio.h>

#define FAKE_NM_NAME "org.freedesktop.NetworkManager"
#define FAKE_NM_PATH "/org/freedesktop/NetworkManager"
#define FAKE_NM_IFACE "org.freedesktop.NetworkManager"
#define FAKE_NM_WAIT_S 30

/* NMState, NMConnectivityState and NMMetered. GIO reads Metered only
 * in CONNECTED_GLOBAL; YES and GUESS_YES are metered, the rest not. */
enum
{
  FAKE_NM_STATE_CONNECTED_GLOBAL = 70,
  FAKE_NM_CONNECTIVITY_FULL = 4,
  FAKE_NM_METERED_YES = 1,
  FAKE_NM_METERED_NO = 2,
  FAKE_NM_METERED_GUESS_YES = 3,
  FAKE_NM_METERED_GUESS_NO = 4,
};

typedef struct
{
  char         *address;
  GThread      *thread;
  GMainContext *context; /* owned: the thread's */
  GMainLoop    *loop;
  GMutex        mutex;
  GCond         cond;
  gboolean      named; /* under mutex */
  guint         reads; /* under mutex: properties read by clients */

  /* Only touched in the thread, once it runs. */
  GDBusConnection *bus; /* its own connection, like a real service */
  guint            object_id;
  guint            name_id;
  guint32          metered;
} FakeNM;

typedef void (*FakeNMFunc) (FakeNM  *fake,
                            gpointer data);

typedef struct
{
  FakeNM    *fake;
  FakeNMFunc func;
  gpointer   data;
  gboolean   done; /* under fake->mutex */
} FakeNMCall;

static const char fake_nm_xml[] = "<node>"
                                  "  <interface name='" FAKE_NM_IFACE "'>"
                                  "    <property name='State' type='u' access='read'/>"
                                  "    <property name='Connectivity' type='u' access='read'/>"
                                  "    <property name='Metered' type='u' access='read'/>"
                                  "  </interface>"
                                  "</node>";

static G_GNUC_UNUSED GVariant *
fake_nm_get_property (GDBusConnection *connection,
                      const char      *sender,
                      const char      *object_path,
                      const char      *interface_name,
                      const char      *property_name,
                      GError         **error,
                      gpointer         user_data)
{
  FakeNM *fake = user_data;

  g_mutex_lock (&fake->mutex);
  fake->reads++;
  g_mutex_unlock (&fake->mutex);
  if (g_str_equal (property_name, "State"))
    return g_variant_new_uint32 (FAKE_NM_STATE_CONNECTED_GLOBAL);
  if (g_str_equal (property_name, "Connectivity"))
    return g_variant_new_uint32 (FAKE_NM_CONNECTIVITY_FULL);
  if (g_str_equal (property_name, "Metered"))
    return g_variant_new_uint32 (fake->metered);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property_name);
  return NULL;
}

static G_GNUC_UNUSED void
fake_nm_name_acquired_cb (GDBusConnection *connection,
                          const char      *name,
                          gpointer         user_data)
{
  FakeNM *fake = user_data;

  g_mutex_lock (&fake->mutex);
  fake->named = TRUE;
  g_cond_broadcast (&fake->cond);
  g_mutex_unlock (&fake->mutex);
}

/* The connection, the object and the name are all made with the
 * thread's context as thread default: their callbacks come there. */
static G_GNUC_UNUSED gpointer
fake_nm_thread (gpointer user_data)
{
  static const GDBusInterfaceVTable vtable = { NULL, fake_nm_get_property, NULL, { 0 } };
  FakeNM                           *fake = user_data;
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (fake_nm_xml, NULL);
  g_autoptr (GError) error = NULL;

  g_main_context_push_thread_default (fake->context);
  fake->bus = g_dbus_connection_new_for_address_sync (fake->address,
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                          G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);
  fake->object_id = g_dbus_connection_register_object (fake->bus, FAKE_NM_PATH, info->interfaces[0], &vtable, fake,
                                                       NULL, &error);
  g_assert_no_error (error);
  fake->name_id = g_bus_own_name_on_connection (fake->bus, FAKE_NM_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                                fake_nm_name_acquired_cb, NULL, fake, NULL);

  g_main_loop_run (fake->loop);

  g_clear_handle_id (&fake->name_id, g_bus_unown_name);
  g_dbus_connection_unregister_object (fake->bus, fake->object_id);
  g_dbus_connection_close_sync (fake->bus, NULL, NULL);
  g_clear_object (&fake->bus);
  /* What the closing left behind, before the context goes. */
  while (g_main_context_iteration (fake->context, FALSE))
    ;
  g_main_context_pop_thread_default (fake->context);
  return NULL;
}

/* Waits on fake->mutex, held, until *@flag or FAKE_NM_WAIT_S. */
static G_GNUC_UNUSED void
fake_nm_wait_locked (FakeNM         *fake,
                     const gboolean *flag,
                     const char     *what)
{
  gint64 deadline = g_get_monotonic_time () + FAKE_NM_WAIT_S * G_USEC_PER_SEC;

  while (!*flag)
    if (!g_cond_wait_until (&fake->cond, &fake->mutex, deadline))
      g_error ("The fake NetworkManager did not %s in %d s", what, FAKE_NM_WAIT_S);
}

/* Connected, fully, with @metered, on the bus at @address; returns once
 * the name is owned. */
static G_GNUC_UNUSED FakeNM *
fake_nm_new (const char *address,
             guint32     metered)
{
  FakeNM *fake = g_new0 (FakeNM, 1);

  fake->address = g_strdup (address);
  fake->context = g_main_context_new ();
  fake->loop = g_main_loop_new (fake->context, FALSE);
  g_mutex_init (&fake->mutex);
  g_cond_init (&fake->cond);
  fake->metered = metered;
  fake->thread = g_thread_new ("fake-nm", fake_nm_thread, fake);

  g_mutex_lock (&fake->mutex);
  fake_nm_wait_locked (fake, &fake->named, "get its name");
  g_mutex_unlock (&fake->mutex);
  return fake;
}

static G_GNUC_UNUSED gboolean
fake_nm_call_cb (gpointer user_data)
{
  FakeNMCall *call = user_data;

  call->func (call->fake, call->data);
  g_mutex_lock (&call->fake->mutex);
  call->done = TRUE;
  g_cond_broadcast (&call->fake->cond);
  g_mutex_unlock (&call->fake->mutex);
  return G_SOURCE_REMOVE;
}

/* Runs @func in the fake's thread, and waits for it. */
static G_GNUC_UNUSED void
fake_nm_call (FakeNM    *fake,
              FakeNMFunc func,
              gpointer   data)
{
  FakeNMCall call = { fake, func, data, FALSE };

  g_main_context_invoke (fake->context, fake_nm_call_cb, &call);
  g_mutex_lock (&fake->mutex);
  fake_nm_wait_locked (fake, &call.done, "answer");
  g_mutex_unlock (&fake->mutex);
}

/* As NetworkManager does: the new value, then PropertiesChanged with
 * it (the standard signal, the one GDBusProxy keeps its cache by). */
static G_GNUC_UNUSED void
fake_nm_set_metered_in_thread (FakeNM  *fake,
                               gpointer data)
{
  guint32 metered = GPOINTER_TO_UINT (data);
  g_autoptr (GError) error = NULL;
  GVariantBuilder changed;

  fake->metered = metered;
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changed, "{sv}", "Metered", g_variant_new_uint32 (metered));
  g_assert_true (g_dbus_connection_emit_signal (fake->bus, NULL, FAKE_NM_PATH, "org.freedesktop.DBus.Properties",
                                                "PropertiesChanged",
                                                g_variant_new ("(sa{sv}as)", FAKE_NM_IFACE, &changed, NULL),
                                                &error));
  g_assert_no_error (error);
}

static G_GNUC_UNUSED void
fake_nm_set_metered (FakeNM *fake,
                     guint32 metered)
{
  fake_nm_call (fake, fake_nm_set_metered_in_thread, GUINT_TO_POINTER (metered));
}

/* How many properties clients have read so far. */
static G_GNUC_UNUSED guint
fake_nm_get_reads (FakeNM *fake)
{
  guint reads;

  g_mutex_lock (&fake->mutex);
  reads = fake->reads;
  g_mutex_unlock (&fake->mutex);
  return reads;
}

static G_GNUC_UNUSED void
fake_nm_free (FakeNM *fake)
{
  g_main_loop_quit (fake->loop);
  g_thread_join (fake->thread);
  g_main_loop_unref (fake->loop);
  g_main_context_unref (fake->context);
  g_mutex_clear (&fake->mutex);
  g_cond_clear (&fake->cond);
  g_free (fake->address);
  g_free (fake);
}
