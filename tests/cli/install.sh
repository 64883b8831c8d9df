#!/usr/bin/env bash
# cmake --install into a fresh prefix, then use only what it put there: the
# command (finding its plug-in and bundled data under the prefix), the man
# page, bash completion, pkg-config, the CMake package, and a C program
# built against the installed headers and library (examples/zone_area.c),
# whose areas must equal the installed command's.
# Usage: install.sh BUILD_DIR SOURCE_DIR
BUILD=$1
SRC=$2
FRONTCAST=unused
. "$(dirname "$0")/lib.sh"

prefix="$work/prefix"
cmake --install "$BUILD" --prefix "$prefix" >"$work/install.log" 2>&1 && pass ||
    { fail "cmake --install"; cat "$work/install.log" >&2; finish; exit 1; }
libdir=$(cd "$prefix" && dirname "$(find . -name frontcast.pc)" | sed 's|^\./||; s|/pkgconfig$||')
for f in bin/frontcast "$libdir/libfrontcast.so" "$libdir/libfrontcast.a" \
         "$libdir/frontcast/libfrontcast_ogr.so" "$libdir/cmake/frontcast/frontcastConfig.cmake" \
         include/frontcast/areas.h share/frontcast/geodata/ukraine-oblasts.geojson \
         share/frontcast/geodata/ukraine-raions.geojson share/man/man1/frontcast.1 \
         share/bash-completion/completions/frontcast share/doc/frontcast/LICENSE; do
    [ -e "$prefix/$f" ] && pass || fail "not installed: $f"
done

# The installed command uses the installed plug-in and data, not the build's.
LD_DEBUG=files "$prefix/bin/frontcast" --version >"$work/version" 2>"$work/ld" && pass || fail "--version"
grep -q "^frontcast .* (GDAL [0-9.]*, GEOS [0-9.]*.*, PROJ [0-9.]*)$" "$work/version" && pass ||
    fail "--version names GDAL, GEOS, PROJ: $(cat "$work/version")"
grep -q "file=$prefix/[^ ]*/libfrontcast_ogr.so " "$work/ld" && pass ||
    fail "the plug-in was not loaded from the prefix: $(grep libfrontcast_ogr "$work/ld" | head -1)"
(cd "$work" && "$prefix/bin/frontcast" areas -o installed.csv) 2>"$work/note" && pass || fail "installed areas"
grep -q "using the SYNTHETIC demo series $prefix/bin/../share/frontcast/geodata/demo-control" "$work/note" &&
    pass || fail "the installed data was not used: $(cat "$work/note")"

# man frontcast, and completion of a command and of --zones.
MANPATH="$prefix/share/man" man -P cat frontcast 2>/dev/null | grep -q "frontcast areas" && pass ||
    fail "man frontcast"
complete=$(PATH="$prefix/bin:$PATH" bash -c '
    . /usr/share/bash-completion/bash_completion
    . "$1"
    COMP_WORDS=(frontcast ar); COMP_CWORD=1; COMP_LINE="frontcast ar"; COMP_POINT=12
    _frontcast frontcast ar frontcast; echo "${COMPREPLY[*]}"
    COMP_WORDS=(frontcast run --zones ra); COMP_CWORD=3; COMP_LINE="frontcast run --zones ra"; COMP_POINT=24
    _frontcast frontcast ra --zones; echo "${COMPREPLY[*]}"' _ "$prefix/share/bash-completion/completions/frontcast")
[ "$complete" = "$(printf 'areas\nraions')" ] && pass || fail "bash completion gave: $complete"

# A C program against the installed tree: pkg-config (shared library) ...
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror "$SRC/examples/zone_area.c" $(pkg-config --cflags --libs frontcast) \
    -o "$work/zone_area" && pass || fail "building examples/zone_area.c with pkg-config"
LD_LIBRARY_PATH="$prefix/$libdir" "$work/zone_area" "$prefix/share/frontcast/geodata/ukraine-oblasts.geojson" \
    "$prefix/share/frontcast/geodata/demo-control" UA-14 >"$work/example.txt" && pass || fail "zone_area"
LD_LIBRARY_PATH="$prefix/$libdir" ldd "$work/zone_area" | grep -q "libfrontcast.so.0 => $prefix/" && pass ||
    fail "not linked to the installed library"
awk -F, '$2 == "UA-14" { printf "%s %s km2\n", $1, $4 }' "$work/installed.csv" >"$work/want.txt"
[ -s "$work/want.txt" ] && cmp -s "$work/want.txt" "$work/example.txt" && pass ||
    fail "zone_area differs from frontcast areas: $(diff "$work/want.txt" "$work/example.txt" | head -3)"
# ... and the CMake package (static library).
mkdir -p "$work/cm"
cat >"$work/cm/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.18)
project(zone_area C)
find_package(frontcast 0.1 REQUIRED)
add_executable(zone_area $SRC/examples/zone_area.c)
target_link_libraries(zone_area PRIVATE frontcast::frontcast)
CMAKE
cmake -S "$work/cm" -B "$work/cm/build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cm.log" 2>&1 &&
    cmake --build "$work/cm/build" >>"$work/cm.log" 2>&1 && pass ||
    { fail "building against find_package(frontcast)"; tail -20 "$work/cm.log" >&2; }
"$work/cm/build/zone_area" "$prefix/share/frontcast/geodata/ukraine-oblasts.geojson" \
    "$prefix/share/frontcast/geodata/demo-control" UA-14 | cmp -s - "$work/want.txt" && pass ||
    fail "the statically linked zone_area differs"
ldd "$work/cm/build/zone_area" | grep -q libfrontcast.so && fail "not static" || pass
finish
