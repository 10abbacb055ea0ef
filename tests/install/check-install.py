#!/usr/bin/env python3
# Installs the build into a temporary DESTDIR with `meson install` and checks
# that every file is where GNOME looks for it under the prefix, that nothing
# lands outside the prefix, and that the installed desktop entry, D-Bus
# service and metainfo are valid.
#
# usage: check-install.py BUILD_ROOT SOURCE_ROOT PREFIX BINDIR DATADIR LOCALEDIR APP_ID

import configparser
import os
import shutil
import subprocess
import sys
import tempfile

problems = []


def fail(message):
    problems.append(message)
    print('not ok: ' + message, flush=True)


def ok(message):
    print('ok: ' + message, flush=True)


def under(root, path):
    # os.path.join drops root when path is absolute: strip the leading '/'.
    return os.path.join(root, path.lstrip('/'))


def check_file(root, prefix, relative, what,
               hint='Check its install line in data/meson.build or src/*/meson.build.'):
    path = os.path.join(under(root, prefix), relative)
    if os.path.isfile(path) and os.path.getsize(path) > 0:
        ok('%s: %s' % (what, os.path.join(prefix, relative)))
        return path
    fail('%s is missing: expected %s (under the DESTDIR %s). %s'
         % (what, os.path.join(prefix, relative), root, hint))
    return None


def linguas(source_root):
    languages = []
    with open(os.path.join(source_root, 'po', 'LINGUAS'), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0]
            languages.extend(line.split())
    return languages


def run_validator(argv, what):
    if shutil.which(argv[0]) is None:
        print('# %s not found: %s not validated here (the data suite validates the '
              'built file when it is installed)' % (argv[0], what))
        return
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode == 0:
        ok('%s validates (%s)' % (what, argv[0]))
    else:
        fail('%s does not validate with %s:\n%s%s'
             % (what, ' '.join(argv[:-1]), result.stdout, result.stderr))


def main():
    if len(sys.argv) != 8:
        print(__doc__ or 'usage: check-install.py BUILD_ROOT SOURCE_ROOT PREFIX '
              'BINDIR DATADIR LOCALEDIR APP_ID', file=sys.stderr)
        return 2
    build_root, source_root, prefix, bindir, datadir, localedir, app_id = sys.argv[1:]
    # bindir, datadir and localedir may be given relative to the prefix.
    bindir, datadir, localedir = (d if os.path.isabs(d) else os.path.join(prefix, d)
                                  for d in (bindir, datadir, localedir))

    with tempfile.TemporaryDirectory(prefix='ks-install-') as destdir:
        env = dict(os.environ)
        # The post-install steps (schemas, icon cache, desktop database)
        # must not touch the system: DESTDIR keeps them inside destdir.
        env['DESTDIR'] = destdir
        result = subprocess.run(['meson', 'install', '-C', build_root, '--no-rebuild',
                                 '--quiet', '--destdir', destdir],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout)
            print(result.stderr)
            fail('`meson install --destdir` failed with status %d' % result.returncode)
            return 1
        ok('meson install --destdir %s' % destdir)

        # Nothing outside the prefix.
        prefix_root = under(destdir, prefix)
        outside = []
        n_files = 0
        for dirpath, dirnames, filenames in os.walk(destdir):
            for name in filenames:
                path = os.path.join(dirpath, name)
                n_files += 1
                if os.path.commonpath([path, prefix_root]) != prefix_root:
                    outside.append('/' + os.path.relpath(path, destdir))
        if outside:
            fail('installed outside the prefix %s: %s' % (prefix, ', '.join(sorted(outside))))
        else:
            ok('all %d installed files are under the prefix %s' % (n_files, prefix))

        rel_bin = os.path.relpath(bindir, prefix)
        rel_data = os.path.relpath(datadir, prefix)
        rel_locale = os.path.relpath(localedir, prefix)

        for program in ('kontext-studio', 'kontext-cli'):
            path = check_file(destdir, prefix, os.path.join(rel_bin, program), 'the program ' + program)
            if path is not None and not os.access(path, os.X_OK):
                fail('%s is installed but not executable' % os.path.join(bindir, program))

        desktop = check_file(destdir, prefix,
                             os.path.join(rel_data, 'applications', app_id + '.desktop'),
                             'the desktop entry')
        metainfo = check_file(destdir, prefix,
                              os.path.join(rel_data, 'metainfo', app_id + '.metainfo.xml'),
                              'the AppStream metainfo')
        check_file(destdir, prefix,
                   os.path.join(rel_data, 'glib-2.0', 'schemas', app_id.removesuffix('.Devel') + '.gschema.xml'),
                   'the GSettings schema')
        service = check_file(destdir, prefix,
                             os.path.join(rel_data, 'dbus-1', 'services', app_id + '.service'),
                             'the D-Bus service')
        check_file(destdir, prefix,
                   os.path.join(rel_data, 'icons', 'hicolor', 'scalable', 'apps', app_id + '.svg'),
                   'the app icon')
        check_file(destdir, prefix,
                   os.path.join(rel_data, 'icons', 'hicolor', 'symbolic', 'apps', app_id + '-symbolic.svg'),
                   'the symbolic app icon')

        languages = linguas(source_root)
        for lang in languages:
            check_file(destdir, prefix,
                       os.path.join(rel_locale, lang, 'LC_MESSAGES', 'kontext-studio.mo'),
                       'the %s translation' % lang,
                       'po/LINGUAS lists %s: is po/%s.po there, and was the build dir '
                       'reconfigured since (meson setup --reconfigure)?' % (lang, lang))
        print('# %d language(s) in po/LINGUAS: %s' % (len(languages), ' '.join(languages) or 'none'))

        # D-Bus activation: the service names the app and starts the
        # installed binary as a GApplication service.
        if service is not None:
            parser = configparser.ConfigParser(interpolation=None)
            parser.optionxform = str
            parser.read(service, encoding='utf-8')
            section = parser['D-BUS Service'] if parser.has_section('D-BUS Service') else {}
            name = section.get('Name')
            exec_line = section.get('Exec', '')
            expected = os.path.join(bindir, 'kontext-studio') + ' --gapplication-service'
            if name != app_id:
                fail('the D-Bus service has Name=%s, expected Name=%s' % (name, app_id))
            elif exec_line != expected:
                fail('the D-Bus service has Exec=%s, expected Exec=%s' % (exec_line, expected))
            else:
                ok('the D-Bus service starts %s' % expected)

        if desktop is not None:
            parser = configparser.ConfigParser(interpolation=None)
            parser.optionxform = str
            parser.read(desktop, encoding='utf-8')
            entry = parser['Desktop Entry'] if parser.has_section('Desktop Entry') else {}
            if entry.get('DBusActivatable') != 'true':
                fail('the desktop entry is not DBusActivatable=true')
            if entry.get('Icon') != app_id:
                fail('the desktop entry has Icon=%s, expected %s' % (entry.get('Icon'), app_id))
            mime = set(filter(None, entry.get('MimeType', '').split(';')))
            for wanted in ('image/png', 'image/jpeg', 'image/webp'):
                if wanted not in mime:
                    fail('the desktop entry does not list %s in MimeType' % wanted)
            run_validator(['desktop-file-validate', desktop], 'the installed desktop entry')

        if metainfo is not None:
            run_validator(['appstreamcli', 'validate', '--no-net', '--explain', metainfo],
                          'the installed metainfo')

    if problems:
        print('%d problem(s) with the installed layout' % len(problems))
        return 1
    print('the installed layout is complete')
    return 0


if __name__ == '__main__':
    sys.exit(main())
