import { Module } from '@nestjs/common';
import { WEB_BUILD_DIRS, WEB_DIRS, WebController } from './web.controller';

/** Serves the web storefront and admin console (apps/web, built into dist/web) from the API's origin. */
@Module({ controllers: [WebController], providers: [{ provide: WEB_DIRS, useValue: WEB_BUILD_DIRS }] })
export class WebModule {}
