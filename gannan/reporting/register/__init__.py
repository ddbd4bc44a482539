"""The bureau's register: applicants for the awards and their certified figures.

An applicant is a legal entity identified by its USCC (统一社会信用代码): an enterprise,
a cooperative, a platform other than this one, or the operator of a live-streaming
base.  A seller of this platform with the same USCC is the same applicant: its sales
here (the ledger) and the figures the bureau certifies for its sales elsewhere add up,
shown as two parts.  Figures come one applicant at a time through the API or a year at
a time from a CSV/XLSX file (:mod:`.imports`); every change keeps who, when and why.
"""
