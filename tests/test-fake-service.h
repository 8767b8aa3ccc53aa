/* test-fake-service.h: the plumbing of a fake D-Bus service on a test bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A thread and a GMainContext of its own, a connection of its own, one
 * object with read-only properties and a well-known name: it answers
 * while the test's thread blocks, in g_subprocess_communicate () on
 * keepsake-cli or anywhere else. A fake embeds a FakeService as its
 * first member and changes its values in that thread, through
 * fake_service_call (). Header-only, static: used by test-fake-upower.h
 * and test-fake-nm.h.
 */
#pragma once

#include <gio/gio.h>

#define FAKE_SERVICE_WAIT_S 30

typedef struct _FakeService FakeService;

typedef void (*FakeServiceFunc) (FakeService *service,
                                 gpointer     data);

struct _FakeService
{
  char                *address; /* owned */
  char                *name;    /* owned */
  char                *path;    /* owned */
  const char          *xml;
  GDBusInterfaceVTable vtable;
  gpointer             user_data;
  GThread             *thread;
  GMainContext        *context; /* owned: the thread's */
  GMainLoop           *loop;
  GMutex               mutex;
  GCond                cond;
  gboolean             named; /* under mutex */

  /* Only touched in the thread, once it runs. */
  GDBusConnection *bus; /* its own connection, like a real service */
  guint            object_id;
  guint            name_id;
};

typedef struct
{
  FakeService    *service;
  FakeServiceFunc func;
  gpointer        data;
  gboolean        done; /* under service->mutex */
} FakeServiceCall;

static G_GNUC_UNUSED void
fake_service_name_acquired_cb (GDBusConnection *connection,
                               const char      *name,
                               gpointer         user_data)
{
  FakeService *service = user_data;

  g_mutex_lock (&service->mutex);
  service->named = TRUE;
  g_cond_broadcast (&service->cond);
  g_mutex_unlock (&service->mutex);
}

/* The connection, the object and the name are all made with the
 * thread's context as thread default: their callbacks come there. */
static G_GNUC_UNUSED gpointer
fake_service_thread (gpointer user_data)
{
  FakeService *service = user_data;
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (service->xml, NULL);
  g_autoptr (GError) error = NULL;

  g_main_context_push_thread_default (service->context);
  service->bus = g_dbus_connection_new_for_address_sync (service->address,
                                                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                         NULL, NULL, &error);
  g_assert_no_error (error);
  service->object_id = g_dbus_connection_register_object (service->bus, service->path, info->interfaces[0],
                                                          &service->vtable, service->user_data, NULL, &error);
  g_assert_no_error (error);
  service->name_id = g_bus_own_name_on_connection (service->bus, service->name, G_BUS_NAME_OWNER_FLAGS_NONE,
                                                   fake_service_name_acquired_cb, NULL, service, NULL);

  g_main_loop_run (service->loop);

  g_clear_handle_id (&service->name_id, g_bus_unown_name);
  g_dbus_connection_unregister_object (service->bus, service->object_id);
  g_dbus_connection_close_sync (service->bus, NULL, NULL);
  g_clear_object (&service->bus);
  /* What the closing left behind, before the context goes. */
  while (g_main_context_iteration (service->context, FALSE))
    ;
  g_main_context_pop_thread_default (service->context);
  return NULL;
}

/* Waits on service->mutex, held, until *@flag or FAKE_SERVICE_WAIT_S. */
static G_GNUC_UNUSED void
fake_service_wait_locked (FakeService    *service,
                          const gboolean *flag,
                          const char     *what)
{
  gint64 deadline = g_get_monotonic_time () + FAKE_SERVICE_WAIT_S * G_USEC_PER_SEC;

  while (!*flag)
    if (!g_cond_wait_until (&service->cond, &service->mutex, deadline))
      g_error ("The fake %s did not %s in %d s", service->name, what, FAKE_SERVICE_WAIT_S);
}

/* Exports the object at @path, described by @xml (one interface), with
 * @get_property called with @user_data, and owns @name on the bus at
 * @address; returns once the name is owned. @xml must outlive @service. */
static G_GNUC_UNUSED void
fake_service_start (FakeService                  *service,
                    const char                   *address,
                    const char                   *name,
                    const char                   *path,
                    const char                   *xml,
                    GDBusInterfaceGetPropertyFunc get_property,
                    gpointer                      user_data,
                    const char                   *thread_name)
{
  service->address = g_strdup (address);
  service->name = g_strdup (name);
  service->path = g_strdup (path);
  service->xml = xml;
  service->vtable.get_property = get_property;
  service->user_data = user_data;
  service->context = g_main_context_new ();
  service->loop = g_main_loop_new (service->context, FALSE);
  g_mutex_init (&service->mutex);
  g_cond_init (&service->cond);
  service->thread = g_thread_new (thread_name, fake_service_thread, service);

  g_mutex_lock (&service->mutex);
  fake_service_wait_locked (service, &service->named, "get its name");
  g_mutex_unlock (&service->mutex);
}

static G_GNUC_UNUSED gboolean
fake_service_call_cb (gpointer user_data)
{
  FakeServiceCall *call = user_data;

  call->func (call->service, call->data);
  g_mutex_lock (&call->service->mutex);
  call->done = TRUE;
  g_cond_broadcast (&call->service->cond);
  g_mutex_unlock (&call->service->mutex);
  return G_SOURCE_REMOVE;
}

/* Runs @func in the service's thread, and waits for it. */
static G_GNUC_UNUSED void
fake_service_call (FakeService    *service,
                   FakeServiceFunc func,
                   gpointer        data)
{
  FakeServiceCall call = { service, func, data, FALSE };

  g_main_context_invoke (service->context, fake_service_call_cb, &call);
  g_mutex_lock (&service->mutex);
  fake_service_wait_locked (service, &call.done, "answer");
  g_mutex_unlock (&service->mutex);
}

/* In the thread: PropertiesChanged on @iface with @changed (a vardict
 * builder, consumed), the standard signal GDBusProxy keeps its cache by. */
static G_GNUC_UNUSED void
fake_service_emit_changed (FakeService     *service,
                           const char      *iface,
                           GVariantBuilder *changed)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_dbus_connection_emit_signal (service->bus, NULL, service->path, "org.freedesktop.DBus.Properties",
                                                "PropertiesChanged",
                                                g_variant_new ("(sa{sv}as)", iface, changed, NULL), &error));
  g_assert_no_error (error);
}

static G_GNUC_UNUSED void
fake_service_vanish_in_thread (FakeService *service,
                               gpointer     data)
{
  g_clear_handle_id (&service->name_id, g_bus_unown_name);
}

/* The service stops owning its name (or never did); the object stays. */
static G_GNUC_UNUSED void
fake_service_vanish (FakeService *service)
{
  fake_service_call (service, fake_service_vanish_in_thread, NULL);
}

/* Stops the thread and frees what fake_service_start () made; not
 * @service itself, which its fake embeds. */
static G_GNUC_UNUSED void
fake_service_stop (FakeService *service)
{
  g_main_loop_quit (service->loop);
  g_thread_join (service->thread);
  g_main_loop_unref (service->loop);
  g_main_context_unref (service->context);
  g_mutex_clear (&service->mutex);
  g_cond_clear (&service->cond);
  g_free (service->address);
  g_free (service->name);
  g_free (service->path);
}
