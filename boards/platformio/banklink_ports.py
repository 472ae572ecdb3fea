# PlatformIO extra script of the banklink library (library.json
# "build": {"extraScript": ...}): turns on the ports the project asks for.
#
# The ports' sources compile to nothing unless BL_PORT_<NAME>=1 is defined,
# so something must define it for the library's own sources. A project
# chooses them in its platformio.ini with a user-defined option, as
# PlatformIO documents for custom options (custom_ prefix, read here with
# env.GetProjectOption):
#
#     custom_banklink_ports = lwip, mbedtls      ; the default
#     custom_banklink_ports = none               ; the core only
#
# -D BL_PORT_LWIP=1 style build_flags (global flags reach every library)
# are honoured too. Here `env` is the library's own construction
# environment: the defines and the source filter apply to banklink's
# sources; the defines are also given to the project's sources (projenv),
# which include the ports' headers.
Import("env")  # noqa: F821  (SCons builtin)

PORTS = {
    # name: (define, its sources). Not here: port/lwip/bl_lwip_raw.c (the
    # NO_SYS raw-API port, for bare-metal lwIP builds) and
    # port/mbedtls/bl_mbedtls_posix.c (a host's CA-bundle file helper).
    # Both frameworks (ESP-IDF, arduino-esp32) ship lwIP sockets and mbedTLS.
    "lwip": ("BL_PORT_LWIP", ["port/lwip/bl_lwip.c"]),
    "mbedtls": ("BL_PORT_MBEDTLS", ["port/mbedtls/bl_mbedtls.c", "port/mbedtls/bl_mbedtls_session.c",
                                    "port/mbedtls/bl_mbedtls_util.c"]),
}
DEFAULT = ("lwip", "mbedtls")


def requested(environment):
    text = environment.GetProjectOption("custom_banklink_ports", "").strip()
    if not text:
        names = list(DEFAULT)
    elif text.lower() == "none":
        names = []
    else:
        names = [n.strip().lower() for n in text.replace(",", " ").split() if n.strip()]
    unknown = [n for n in names if n not in PORTS]
    if unknown:
        raise SystemExit("banklink: custom_banklink_ports: unknown port(s) %s (known: %s, or none)"
                         % (", ".join(unknown), ", ".join(sorted(PORTS))))
    # A -D BL_PORT_<NAME>=1 given in build_flags turns its port on as well.
    for item in environment.get("CPPDEFINES", []):
        name = item[0] if isinstance(item, (tuple, list)) else str(item).split("=")[0]
        for port, (define, _) in PORTS.items():
            if name == define and port not in names:
                names.append(port)
    return names


ports = requested(env)  # noqa: F821
defines = [(PORTS[p][0], 1) for p in ports]
env.Append(CPPDEFINES=defines)  # noqa: F821
env.Replace(SRC_FILTER=["-<*>", "+<src/*.c>"] + ["+<%s>" % f for p in ports for f in PORTS[p][1]])  # noqa: F821
try:
    Import("projenv")  # noqa: F821
    projenv.Append(CPPDEFINES=defines)  # noqa: F821
except Exception:  # noqa: BLE001  (no projenv in PlatformIO's IDE-data pass)
    pass
print("banklink: ports %s" % (", ".join(ports) if ports else "none (core only)"))
