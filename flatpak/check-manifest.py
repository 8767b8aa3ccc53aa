#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Flatpak manifest, checked without flatpak-builder (which needs the
# network): valid JSON, the GNOME runtime at a version whose GTK and
# libadwaita are at least what meson asks for, the app's command and
# sandbox permissions, and every local path it names present, the project
# itself built with meson from the checkout.
#
# check-manifest.py MANIFEST APP_ID (TAP output)
import json
import os
import sys

MIN_GNOME_RUNTIME = 44  # GTK 4.10, libadwaita 1.3: above Debian 12's 4.8 / 1.2
FINISH_ARGS = [
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
    '--talk-name=org.freedesktop.secrets',
]

results = []


def check(what, condition, detail=''):
    results.append((what, bool(condition), detail))


def local_paths(module, base):
    """(path, type) of every source and patch read from the checkout."""
    for source in module.get('sources', []):
        if isinstance(source, str):
            # A file of more modules.
            yield os.path.join(base, source), 'file'
            continue
        if 'path' in source:
            yield os.path.join(base, source['path']), source.get('type', '')
        for path in source.get('paths', []):
            yield os.path.join(base, path), source.get('type', '')


def main():
    manifest_path, app_id = sys.argv[1], sys.argv[2]
    base = os.path.dirname(os.path.abspath(manifest_path))
    try:
        with open(manifest_path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print('not ok 1 - the manifest is valid JSON # %s' % e)
        print('1..1')
        return 1
    check('the manifest is valid JSON', True)

    check('id is %s' % app_id, manifest.get('id', manifest.get('app-id')) == app_id,
          manifest.get('id'))
    check('the runtime is org.gnome.Platform', manifest.get('runtime') == 'org.gnome.Platform')
    check('the SDK is org.gnome.Sdk', manifest.get('sdk') == 'org.gnome.Sdk')
    version = str(manifest.get('runtime-version', ''))
    check('the runtime version is %d or later' % MIN_GNOME_RUNTIME,
          version.isdigit() and int(version) >= MIN_GNOME_RUNTIME, version)
    check('the command is keepsake', manifest.get('command') == 'keepsake')
    finish_args = manifest.get('finish-args', [])
    for arg in FINISH_ARGS:
        check('finish-args has %s' % arg, arg in finish_args)
    check('no blanket home or host access',
          not any(a in finish_args for a in ('--filesystem=home', '--filesystem=host')))

    modules = manifest.get('modules', [])
    check('there are modules', len(modules) > 0)
    app_module = modules[-1] if modules and isinstance(modules[-1], dict) else {}
    check('the last module is keepsake', app_module.get('name') == 'keepsake')
    check('keepsake builds with meson', app_module.get('buildsystem') == 'meson')
    check('keepsake builds the app (-Dapp=enabled)',
          '-Dapp=enabled' in app_module.get('config-opts', []))
    sources = [s for s in app_module.get('sources', []) if isinstance(s, dict)]
    dirs = [s for s in sources if s.get('type') == 'dir']
    check('keepsake is built from the checkout (a dir source)', len(dirs) == 1)
    if dirs:
        root = os.path.normpath(os.path.join(base, dirs[0].get('path', '')))
        meson_build = os.path.join(root, 'meson.build')
        try:
            with open(meson_build, encoding='utf-8') as f:
                is_project = "project('keepsake'" in f.read()
        except OSError:
            is_project = False
        check('the dir source is the project (%s)' % root, is_project)
        # The server is part of the same meson project: one build gives
        # the sandbox both /app/bin/keepsake and /app/bin/keepsake-server.
        server_build = os.path.join(root, 'src', 'server', 'meson.build')
        try:
            with open(server_build, encoding='utf-8') as f:
                builds_server = "executable('keepsake-server'" in f.read()
        except OSError:
            builds_server = False
        check('the project builds keepsake-server too', builds_server)

    for module in modules:
        if isinstance(module, str):
            check('module file %s exists' % module, os.path.isfile(os.path.join(base, module)))
            continue
        for path, kind in local_paths(module, base):
            exists = os.path.isdir(path) if kind == 'dir' else os.path.exists(path)
            check('%s: %s exists' % (module.get('name'), os.path.relpath(path, base)), exists)

    for i, (what, ok, detail) in enumerate(results, 1):
        line = '%s %d - %s' % ('ok' if ok else 'not ok', i, what)
        if not ok and detail:
            line += ' # got %s' % detail
        print(line)
    print('1..%d' % len(results))
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())
