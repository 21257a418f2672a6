"""Sensor metadata: band names, centre wavelengths, bit depth, resolution ratio and MTF gains.

One place for every sensor fusionzoo knows.  Every method, metric and set of weights takes a sensor by
name (``get_sensor("WV3")``); aliases such as ``"WorldView-3"``, ``"wv3"`` or ``"QB"`` resolve to the same
entry.  MTF Nyquist gains are those of the pansharpening MATLAB toolbox behind the published numbers
(Vivone et al.); a sensor it does not list uses 0.3 for the MS bands and 0.15 for the PAN.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["Sensor", "get_sensor", "list_sensors", "SENSORS"]


@dataclass(frozen=True)
class Sensor:
    """A multispectral + panchromatic sensor.

    ``bands`` are the MS band names in the order the sensor's products store them; ``wavelengths`` their
    centre wavelengths in nm.  ``bit_depth`` is the radiometric resolution of the products: fusionzoo's
    [0, 1] scale is ``DN / (2**bit_depth - 1)``.
    """

    name: str
    full_name: str
    bands: tuple[str, ...]
    wavelengths: tuple[float, ...] | None
    bit_depth: int
    ratio: int
    mtf_ms: tuple[float, ...]
    mtf_pan: float
    aliases: tuple[str, ...] = field(default=(), compare=False)

    @property
    def num_bands(self) -> int:
        return len(self.bands)

    @property
    def max_value(self) -> int:
        """Full-scale digital number, ``2**bit_depth - 1``."""
        return 2**self.bit_depth - 1

    def with_bit_depth(self, bit_depth: int) -> "Sensor":
        """The same sensor, as stored at another bit depth (e.g. an 8-bit GeoEye-1 product)."""
        return replace(self, bit_depth=int(bit_depth))


_BGRN = ("blue", "green", "red", "nir")
_WV8 = ("coastal", "blue", "green", "yellow", "red", "red_edge", "nir1", "nir2")

SENSORS: dict[str, Sensor] = {
    s.name: s
    for s in [
        Sensor("QB", "QuickBird", _BGRN, (485.0, 560.0, 660.0, 830.0), 11, 4,
               (0.34, 0.32, 0.30, 0.22), 0.15, ("quickbird",)),
        Sensor("IKONOS", "IKONOS", _BGRN, (480.0, 550.0, 665.0, 805.0), 11, 4,
               (0.26, 0.28, 0.29, 0.28), 0.17, ("ik",)),
        Sensor("GE1", "GeoEye-1", _BGRN, (480.0, 545.0, 672.0, 850.0), 11, 4,
               (0.23, 0.23, 0.23, 0.23), 0.16, ("geoeye1", "geoeye-1", "geoeye")),
        Sensor("WV2", "WorldView-2", _WV8, (427.0, 478.0, 546.0, 608.0, 659.0, 724.0, 833.0, 949.0), 11, 4,
               (0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.27), 0.11, ("worldview2", "worldview-2")),
        Sensor("WV3", "WorldView-3", _WV8, (425.0, 480.0, 545.0, 605.0, 660.0, 725.0, 833.0, 950.0), 11, 4,
               (0.325, 0.355, 0.360, 0.350, 0.365, 0.360, 0.335, 0.315), 0.14, ("worldview3", "worldview-3")),
        Sensor("WV4", "WorldView-4", _BGRN, (480.0, 545.0, 672.0, 850.0), 11, 4,
               (0.23, 0.23, 0.23, 0.23), 0.16, ("worldview4", "worldview-4")),
        Sensor("PLEIADES", "Pleiades", _BGRN, (490.0, 560.0, 650.0, 840.0), 12, 4,
               (0.3, 0.3, 0.3, 0.3), 0.15, ("pleiades-1", "phr")),
        Sensor("GF2", "GaoFen-2", _BGRN, (514.0, 546.0, 656.0, 822.0), 10, 4,
               (0.3, 0.3, 0.3, 0.3), 0.15, ("gaofen2", "gaofen-2")),
        Sensor("SPOT67", "SPOT-6/7", _BGRN, (485.0, 560.0, 660.0, 825.0), 12, 4,
               (0.3, 0.3, 0.3, 0.3), 0.15, ("spot6", "spot7", "spot-6", "spot-7", "spot")),
        Sensor("L8", "Landsat-8 OLI", ("coastal", "blue", "green", "red", "nir", "swir1", "swir2"),
               (443.0, 482.0, 561.0, 655.0, 865.0, 1609.0, 2201.0), 12, 2,
               (0.3,) * 7, 0.15, ("landsat8", "landsat-8", "oli")),
    ]
}


def _key(name: str) -> str:
    return name.lower().replace("_", "").replace(" ", "")


_ALIASES: dict[str, str] = {}
for _s in SENSORS.values():
    for _a in (_s.name, _s.full_name, *_s.aliases):
        _ALIASES[_key(_a)] = _s.name
        _ALIASES[_key(_a).replace("-", "")] = _s.name


def list_sensors() -> list[str]:
    """Canonical names of the known sensors (``generic`` is always accepted too)."""
    return list(SENSORS)


GENERIC_NAMES = ("generic", "none", "other", "")


def is_generic(sensor: "str | Sensor | None") -> bool:
    """Whether ``sensor`` names the generic fallback (``"generic"``, ``"none"``, ``"other"``, empty or None)."""
    if sensor is None:
        return True
    if isinstance(sensor, Sensor):
        return sensor.name == "generic"
    return _key(str(sensor)) in GENERIC_NAMES


def get_sensor(name: str | Sensor, num_bands: int | None = None, bit_depth: int | None = None) -> Sensor:
    """Look a sensor up by name or alias.

    ``"generic"`` (or ``"none"``) gives a fallback with ``num_bands`` bands, gains 0.3 / 0.15 and
    ``bit_depth`` (default 11).  ``bit_depth`` overrides the sensor's own where a product was re-quantised.
    """
    if isinstance(name, Sensor):
        sensor = name
    else:
        key = _key(str(name))
        if is_generic(name):
            if num_bands is None:
                raise ValueError("the generic sensor needs num_bands (the number of MS bands)")
            sensor = Sensor("generic", "generic sensor", tuple(f"b{i + 1}" for i in range(num_bands)), None,
                            11, 4, (0.3,) * num_bands, 0.15)
        elif key in _ALIASES or key.replace("-", "") in _ALIASES:
            sensor = SENSORS[_ALIASES.get(key) or _ALIASES[key.replace("-", "")]]
        else:
            raise KeyError(f"unknown sensor {name!r}; known: {', '.join(SENSORS)} or 'generic'")
    if num_bands is not None and sensor.name != "generic" and num_bands != sensor.num_bands:
        raise ValueError(f"sensor {sensor.full_name} has {sensor.num_bands} MS bands {list(sensor.bands)}, "
                         f"got {num_bands}; pass sensor='generic' for another band set")
    if bit_depth is not None:
        sensor = sensor.with_bit_depth(bit_depth)
    return sensor
