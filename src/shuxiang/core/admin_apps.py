"""The Django admin's app config: the default site is the deployment's own
(core.admin_site.DeploymentAdminSite), for superusers only and audited."""

from django.contrib.admin.apps import AdminConfig


class DeploymentAdminConfig(AdminConfig):
    default_site = "shuxiang.core.admin_site.DeploymentAdminSite"
