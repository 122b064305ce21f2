"""The hall manager's (中心管理员) home: live dashboard, reports, electronic supervision.

One rule: these views only show what ``clerk.reports`` computes; every query runs in the
background and the result comes back as plain data to a callback that holds the view weakly.
A clerk never gets here: ``ManagerWindow`` refuses any other role.
"""
