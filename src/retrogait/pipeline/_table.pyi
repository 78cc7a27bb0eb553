"""Type stub of ``_table`` (the column layouts of ``_table.pxd``, see there)."""

T: int
AX: int
AY: int
AZ: int
GX: int
GY: int
GZ: int
GN: int
AD: int
E: int
D: int
NCOL: int
P_T: int
P_GYR: int
P_ROT: int
P_VEL: int
P_POS: int
P_PITCH: int
P_NCOL: int
